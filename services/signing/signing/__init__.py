"""Signing: JPKI card signer, simulated card and signature verification."""
