"""Chat-channel domain operations that know nothing of Telegram: invites, identities, flow state,
buyer questions, vendor button actions and alert digests."""
