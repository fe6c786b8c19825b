"""The relationship endpoints every relation gets: ``…/links/<rel>``, ``…/relationships/<rel>`` and ``…/<rel>``."""
