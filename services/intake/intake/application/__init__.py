"""Use cases: what the web pages, the JSON API and the consumers do with the domain and adapters."""
