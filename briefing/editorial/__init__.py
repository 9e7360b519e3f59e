"""The editorial model: features, term scores and the learned linear models every stage asks (relevance, section, same story), and the named sentence rules."""
