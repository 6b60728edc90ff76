"""Sponsor rotation in Block Kit: the *Rotate sponsor* modal, the handover brief, the
outgoing sponsor's note request and its modal."""
