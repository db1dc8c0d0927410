"""The refresh pipeline: the context every step shares, the step registry that orders the steps
from what they read and write, the steps themselves, and ``refresh`` which runs them into a new
snapshot and publishes it."""
