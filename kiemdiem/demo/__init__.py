"""Demo data, above every app: it builds the tree, the people and the campaigns through their actions."""
