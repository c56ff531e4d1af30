"""My page: the signed-in resident's account home, saying what to do next across domains."""
