"""Generative judges (the seed's ORM/PRM reward models) queried over an OpenAI-compatible chat API.

`prompts` and `parsing` are pure functions (the seed's exact prompts and reply patterns), `kinds` names
the judge reward types, `client` is the bounded asynchronous HTTP client training uses, `scoring` turns
a sample into the kit's reward record, and `audit` measures a judge against labels before training.
"""
