"""Model families. Each states its equilibrium as residual equations and its welfare."""
