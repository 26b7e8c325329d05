"""Places: the settlements and regions of Ukraine a post names, in any spelling or form (pure; loads its gazetteer on first use)."""
