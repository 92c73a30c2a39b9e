"""docker-py's high-level objects over the engine: ``Container``, ``Image``, ``Volume`` and their
collections (``client.containers``…)."""
