"""The Merkle log against RFC 9162's own definitions: any honest proof verifies, any tampered one fails."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from zairyu_shared import merkle


def mth(entries: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1, written as the RFC states it (recursive), independent of the module's bottom-up root."""
    n = len(entries)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + entries[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + mth(entries[:k]) + mth(entries[k:])).digest()


# Distinct entries, as in the log (each carries its own time, case and officer). With identical leaves a proof can
# fit another (index, size) of the same root; the signed tree head binds the size, so that is no forgery.
entry_lists = st.lists(st.binary(max_size=8), min_size=1, max_size=70, unique=True)


def test_known_small_trees():
    a, b, c = b"a", b"b", b"c"
    la, lb, lc = (hashlib.sha256(b"\x00" + x).digest() for x in (a, b, c))
    ab = hashlib.sha256(b"\x01" + la + lb).digest()
    assert merkle.root([a]) == la
    assert merkle.root([a, b]) == ab
    assert merkle.root([a, b, c]) == hashlib.sha256(b"\x01" + ab + lc).digest()  # split at k = 2
    assert merkle.root([]) == hashlib.sha256(b"").digest()
    assert merkle.inclusion_proof(2, [la, lb, lc]) == [ab]
    assert merkle.consistency_proof(2, [la, lb, lc]) == [lc]


@given(entry_lists)
def test_root_is_the_rfc_mth(entries):
    assert merkle.root(entries) == mth(entries)


@given(entry_lists, st.data())
def test_every_inclusion_proof_verifies(entries, data):
    leaves = [merkle.leaf_hash(e) for e in entries]
    i = data.draw(st.integers(0, len(entries) - 1))
    proof = merkle.inclusion_proof(i, leaves)
    assert merkle.verify_inclusion(i, len(leaves), leaves[i], proof, mth(entries))


@settings(max_examples=200)
@given(entry_lists, st.data())
def test_any_tampered_inclusion_proof_fails(entries, data):
    leaves = [merkle.leaf_hash(e) for e in entries]
    n, root = len(leaves), mth(entries)
    i = data.draw(st.integers(0, n - 1))
    proof = merkle.inclusion_proof(i, leaves)
    # (Not the size: a proof for the leftmost leaves can fit a neighbouring size with the same root, RFC 9162 binds
    # size and root together in the signed tree head, which zairyu_shared.access_log checks.)
    how = data.draw(st.sampled_from(["flip", "drop", "add", "index", "leaf"]))
    index, leaf = i, leaves[i]
    if how == "flip" and proof:
        j, bit = data.draw(st.integers(0, len(proof) - 1)), data.draw(st.integers(0, 255))
        node = bytearray(proof[j])
        node[bit // 8] ^= 1 << (bit % 8)
        proof[j] = bytes(node)
    elif how == "drop" and proof:
        proof.pop(data.draw(st.integers(0, len(proof) - 1)))
    elif how == "add":
        proof.insert(data.draw(st.integers(0, len(proof))), hashlib.sha256(b"x").digest())
    elif how == "index" and n > 1:
        index = data.draw(
            st.integers(0, n - 1).filter(lambda j: leaves[j] != leaves[i] or merkle.inclusion_proof(j, leaves) != proof)
        )
    elif how == "leaf":
        leaf = merkle.leaf_hash(entries[i] + b"!")
    else:
        return  # nothing to tamper with in this shape (a one-leaf tree has an empty proof)
    assert not merkle.verify_inclusion(index, n, leaf, proof, root)


@given(entry_lists, st.data())
def test_every_consistency_proof_verifies(entries, data):
    leaves = [merkle.leaf_hash(e) for e in entries]
    m = data.draw(st.integers(0, len(entries)))
    proof = merkle.consistency_proof(m, leaves)
    assert merkle.verify_consistency(m, len(entries), mth(entries[:m]), mth(entries), proof)


@settings(max_examples=200)
@given(entry_lists, st.data())
def test_a_rewritten_or_deleted_past_entry_breaks_consistency(entries, data):
    """The log later rewrites (or deletes) an entry below the old size: no proof joins the two heads."""
    n = len(entries)
    m = data.draw(st.integers(1, n))
    old_root = mth(entries[:m])
    j = data.draw(st.integers(0, m - 1))
    if data.draw(st.booleans()):
        forged = entries[:j] + [entries[j] + b"!"] + entries[j + 1 :]
    else:
        forged = entries[:j] + entries[j + 1 :] + [b"padding"]  # deleted, size kept by an extra entry
    if forged[:m] == entries[:m]:
        return
    leaves = [merkle.leaf_hash(e) for e in forged]
    proof = merkle.consistency_proof(m, leaves)
    assert not merkle.verify_consistency(m, len(forged), old_root, mth(forged), proof)


@settings(max_examples=200)
@given(entry_lists, st.data())
def test_any_tampered_consistency_proof_fails(entries, data):
    n = len(entries)
    m = data.draw(st.integers(1, n))
    leaves = [merkle.leaf_hash(e) for e in entries]
    proof = merkle.consistency_proof(m, leaves)
    old_root, new_root = mth(entries[:m]), mth(entries)
    how = data.draw(st.sampled_from(["flip", "drop", "add", "old_root", "new_root"]))
    if how == "flip" and proof:
        j, bit = data.draw(st.integers(0, len(proof) - 1)), data.draw(st.integers(0, 255))
        node = bytearray(proof[j])
        node[bit // 8] ^= 1 << (bit % 8)
        proof[j] = bytes(node)
    elif how == "drop" and proof:
        proof.pop(data.draw(st.integers(0, len(proof) - 1)))
    elif how == "add":
        proof.insert(data.draw(st.integers(0, len(proof))), hashlib.sha256(b"x").digest())
    elif how == "old_root":
        old_root = hashlib.sha256(old_root).digest()
    elif how == "new_root":
        new_root = hashlib.sha256(new_root).digest()
    else:
        return
    assert not merkle.verify_consistency(m, n, old_root, new_root, proof)


def test_bad_arguments_are_refused():
    leaf = merkle.leaf_hash(b"a")
    assert not merkle.verify_inclusion(1, 1, leaf, [], leaf)
    assert not merkle.verify_inclusion(0, 1, leaf, [b"short"], leaf)
    assert not merkle.verify_consistency(2, 1, leaf, leaf, [])
    assert not merkle.verify_consistency(1, 2, leaf, leaf, [])  # RFC step 1: an empty path fails
    assert merkle.verify_consistency(0, 5, merkle.EMPTY_ROOT, leaf, [])


@given(entry_lists, st.data())
def test_paths_read_off_the_levels_are_the_rfcs(entries, data):
    leaves = [merkle.leaf_hash(e) for e in entries]
    i = data.draw(st.integers(0, len(entries) - 1))
    assert merkle.inclusion_proof_from_levels(i, merkle.levels(leaves)) == merkle.inclusion_proof(i, leaves)
