"""Reports built only from run directories: tables, figures and overfitting / reward-hacking diagnostics."""
