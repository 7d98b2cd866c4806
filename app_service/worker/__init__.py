"""The dispatch worker: ready tick, claim, render, send through a channel, record."""
