"""Telling people things: recipients (audiences), rendering, the inbox and the other channels."""
