"""A Merkle tree log as Certificate Transparency defines it (RFC 9162 §2.1): pure functions, no I/O.

Leaf hash ``SHA-256(0x00 || entry)``, node hash ``SHA-256(0x01 || left || right)`` (the prefixes keep a
leaf from passing for a node, RFC 9162 §2.1.1). A tree of n leaves whose size is not a power of two is split
at k, the largest power of two smaller than n (MTH, §2.1.1). Inclusion proofs (§2.1.3) and consistency
proofs (§2.1.4) are generated and verified with the RFC's own algorithms (§2.1.3.2 and §2.1.4.2), so an
auditor holding two signed tree heads sees whether the later tree still contains the earlier one unchanged.

Review appends to the log and makes proofs; intake checks the proofs it shows the applicant; the offline
``zairyu-audit verify`` checks everything again: all three need the same arithmetic, so it lives here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}) = SHA-256() (RFC 9162 §2.1.1)


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def root_from_leaf_hashes(leaves: Sequence[bytes]) -> bytes:
    """MTH over already hashed leaves, computed bottom-up in O(n) (same result as the recursive definition:
    pairing left to right and carrying an odd last node up unchanged builds exactly the RFC's split tree)."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def root(entries: Sequence[bytes]) -> bytes:
    """MTH(D[n]) over the entries themselves."""
    return root_from_leaf_hashes([leaf_hash(e) for e in entries])


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) over leaf hashes (RFC 9162 §2.1.3.1)."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"leaf index {index} outside a tree of {len(leaves)}")
    return _path(index, leaves)


def _path(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return _path(m, leaves[:k]) + [root_from_leaf_hashes(leaves[k:])]
    return _path(m - k, leaves[k:]) + [root_from_leaf_hashes(leaves[:k])]


def levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    """Every level of the tree, leaves first, built as root_from_leaf_hashes does (an odd last node goes up as
    it is): the RFC's tree, so a path read off these levels is PATH(m, D[n])."""
    out = [list(leaves)]
    while len(out[-1]) > 1:
        level = out[-1]
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        out.append(nxt)
    return out


def inclusion_proof_from_levels(index: int, tree: Sequence[Sequence[bytes]]) -> list[bytes]:
    """PATH(index) in O(log n) from ``levels``: the sibling at each level, none where a node went up alone."""
    if not tree or not 0 <= index < len(tree[0]):
        raise ValueError(f"leaf index {index} outside the tree")
    path = []
    for level in tree[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            path.append(level[sibling])
        index >>= 1
    return path


def consistency_proof(old_size: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) over leaf hashes (RFC 9162 §2.1.4.1); empty when m is 0 or n."""
    if not 0 <= old_size <= len(leaves):
        raise ValueError(f"old size {old_size} outside a tree of {len(leaves)}")
    if old_size in (0, len(leaves)):
        return []
    return _subproof(old_size, leaves, True)


def _subproof(m: int, leaves: Sequence[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [root_from_leaf_hashes(leaves)]
    k = _split(n)
    if m <= k:
        return _subproof(m, leaves[:k], whole) + [root_from_leaf_hashes(leaves[k:])]
    return _subproof(m - k, leaves[k:], False) + [root_from_leaf_hashes(leaves[:k])]


def verify_inclusion(index: int, tree_size: int, leaf: bytes, proof: Sequence[bytes], expected_root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does ``leaf`` (a leaf hash) sit at ``index`` of the tree with ``expected_root``?"""
    if not 0 <= index < tree_size or any(len(p) != HASH_SIZE for p in proof):
        return False
    fn, sn, r = index, tree_size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == expected_root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: is the tree (old_size, old_root) a prefix of the tree (new_size, new_root)?"""
    if not 0 <= old_size <= new_size or any(len(p) != HASH_SIZE for p in proof):
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof  # the empty tree is a prefix of every tree (the RFC leaves this case out)
    if not proof:  # step 1
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node of the path
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root
