"""Containers and clusters: the image's build facts, compose, Kubernetes manifests, `doctor`."""
