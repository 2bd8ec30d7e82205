"""Buyer alerts: what a buyer should hear about their POs, batched into digests."""
