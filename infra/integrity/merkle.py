"""Merkle trees of the log as in Certificate Transparency (RFC 9162, section 2.1).

Pure functions, usable offline with nothing but a checkpoint and its public key:

- ``leaf_hash(d) = SHA-256(0x00 || d)``, ``node_hash(l, r) = SHA-256(0x01 || l || r)``;
- ``mth``: the Merkle Tree Hash of a list of leaf hashes, splitting ``n`` leaves at ``k``, the
  largest power of two smaller than ``n`` (so any size, not only powers of two); the empty
  tree's hash is ``SHA-256()``;
- ``path`` and ``proof``: the inclusion path (§2.1.3.1) and the consistency proof (§2.1.4.1),
  word for word the RFC's recursive definitions (the reference the fast tree is tested
  against);
- ``verify_inclusion`` and ``verify_consistency``: the RFC's verification algorithms
  (§2.1.3.2, §2.1.4.2), step by step.

The RFC defines the tree over leaf *data*; here every function takes the leaf *hashes*
(``MTH({d}) = leaf_hash(d)``), because that is what the event store keeps per event.

``MerkleTree`` keeps every complete (perfect, aligned) subtree's hash, one ``bytearray`` per
level, so appending a leaf costs one node hash on average, and the root of any earlier size,
an inclusion path or a consistency proof costs O(log n) lookups.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """``k``: the largest power of two smaller than ``n`` (``n`` > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


# The RFC's definitions, literally ------------------------------------------------------------


def mth(hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of the leaves whose leaf hashes are ``hashes``."""
    n = len(hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return hashes[0]
    k = split(n)
    return node_hash(mth(hashes[:k]), mth(hashes[k:]))


def path(m: int, hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]): the inclusion path of leaf ``m``."""
    n = len(hashes)
    if not 0 <= m < n:
        raise ValueError(f"leaf {m} is not in a tree of {n}")
    if n == 1:
        return []
    k = split(n)
    if m < k:
        return [*path(m, hashes[:k]), mth(hashes[k:])]
    return [*path(m - k, hashes[k:]), mth(hashes[:k])]


def proof(m: int, hashes: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]): the consistency proof of the first ``m`` leaves with all ``n``."""
    if not 0 < m <= len(hashes):
        raise ValueError(f"no consistency proof from {m} to {len(hashes)}")
    return _subproof(m, hashes, True)


def _subproof(m: int, hashes: Sequence[bytes], whole: bool) -> list[bytes]:
    n = len(hashes)
    if m == n:
        return [] if whole else [mth(hashes)]
    k = split(n)
    if m <= k:
        return [*_subproof(m, hashes[:k], whole), mth(hashes[k:])]
    return [*_subproof(m - k, hashes[k:], False), mth(hashes[:k])]


# Verification (RFC 9162 §2.1.3.2 and §2.1.4.2) -----------------------------------------------


def _lsb(value: int) -> int:
    return value & 1


def verify_inclusion(
    leaf_index: int, tree_size: int, leaf: bytes, inclusion_path: Sequence[bytes], root: bytes
) -> bool:
    """Whether ``inclusion_path`` proves the leaf hash ``leaf`` at ``leaf_index`` in ``root``."""
    if leaf_index >= tree_size or leaf_index < 0:  # step 1
        return False
    fn, sn = leaf_index, tree_size - 1  # step 2
    r = leaf  # step 3
    for p in inclusion_path:  # step 4
        if sn == 0:  # 4a
            return False
        if _lsb(fn) or fn == sn:  # 4b
            r = node_hash(p, r)
            if not _lsb(fn):
                while not _lsb(fn) and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1  # 4c
        sn >>= 1
    return sn == 0 and r == root  # step 5


def verify_consistency(
    first: int,
    second: int,
    first_root: bytes,
    second_root: bytes,
    consistency_path: Sequence[bytes],
) -> bool:
    """Whether ``consistency_path`` proves the tree of ``first`` leaves a prefix of ``second``.

    The RFC's algorithm covers ``0 < first < second``; equal sizes are consistent when the
    roots are equal and the proof empty (``PROOF(n, D[n])`` is empty).
    """
    if first <= 0 or first > second:
        return False
    if first == second:
        return not consistency_path and first_root == second_root
    if not consistency_path:  # step 1
        return False
    path_ = list(consistency_path)
    if first & (first - 1) == 0:  # step 2: first is an exact power of 2
        path_.insert(0, first_root)
    fn, sn = first - 1, second - 1  # step 3
    while _lsb(fn):  # step 4
        fn >>= 1
        sn >>= 1
    fr = sr = path_[0]  # step 5
    for c in path_[1:]:  # step 6
        if sn == 0:  # 6a
            return False
        if _lsb(fn) or fn == sn:  # 6b
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not _lsb(fn):
                while not _lsb(fn) and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1  # 6c
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0  # step 7


# The incremental tree ------------------------------------------------------------------------


class MerkleTree:
    """An append-only tree of leaf hashes keeping every complete subtree's hash."""

    def __init__(self, hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[bytearray] = [bytearray()]
        self.extend(hashes)

    @property
    def size(self) -> int:
        return len(self._levels[0]) // HASH_SIZE

    def append(self, leaf: bytes) -> None:
        """Add the next leaf hash."""
        if len(leaf) != HASH_SIZE:
            raise ValueError("a leaf hash is 32 bytes")
        levels = self._levels
        levels[0] += leaf
        index = len(levels[0]) // HASH_SIZE - 1
        level = 0
        while index & 1:  # this node completed a pair: its parent is complete too
            row = levels[level]
            parent = hashlib.sha256(b"\x01" + row[-2 * HASH_SIZE :]).digest()
            level += 1
            if level == len(levels):
                levels.append(bytearray())
            levels[level] += parent
            index >>= 1

    def extend(self, hashes: Iterable[bytes]) -> None:
        """Add leaf hashes in order, a level at a time (the verifier's batch path)."""
        added = b"".join(hashes)
        if len(added) % HASH_SIZE:
            raise ValueError("leaf hashes are 32 bytes each")
        if not added:
            return
        sha256 = hashlib.sha256
        levels = self._levels
        levels[0] += added
        level = 0
        while True:
            row = levels[level]
            if level + 1 == len(levels):
                levels.append(bytearray())
            above = levels[level + 1]
            done = len(above) // HASH_SIZE  # pairs of this level that already have a parent
            pairs = len(row) // (2 * HASH_SIZE)
            if pairs == done:
                break
            pair = 2 * HASH_SIZE
            # One copy of the new pairs as bytes: slicing bytes is cheaper than bytearray.
            chunk = bytes(row[done * pair : pairs * pair])
            above += b"".join(
                [sha256(b"\x01" + chunk[i : i + pair]).digest() for i in range(0, len(chunk), pair)]
            )
            level += 1
        if not levels[-1]:
            levels.pop()

    def leaf(self, index: int) -> bytes:
        return self._node(0, index)

    def leaves(self) -> bytearray:
        """Every leaf hash, concatenated (read-only by convention)."""
        return self._levels[0]

    def _node(self, level: int, index: int) -> bytes:
        start = index * HASH_SIZE
        return bytes(self._levels[level][start : start + HASH_SIZE])

    def subtree(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi]) for the ranges the RFC's recursion produces (``lo`` aligned)."""
        n = hi - lo
        if n == 0:
            return EMPTY_ROOT
        if n & (n - 1) == 0 and lo % n == 0:
            return self._node(n.bit_length() - 1, lo // n)
        k = split(n)
        return node_hash(self.subtree(lo, lo + k), self.subtree(lo + k, hi))

    def _check_size(self, size: int) -> None:
        if not 0 <= size <= self.size:
            raise ValueError(f"the tree has {self.size} leaves, not {size}")

    def root(self, size: int | None = None) -> bytes:
        """The root of the first ``size`` leaves (all by default)."""
        size = self.size if size is None else size
        self._check_size(size)
        return self.subtree(0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[size])."""
        size = self.size if size is None else size
        self._check_size(size)
        if not 0 <= index < size:
            raise ValueError(f"leaf {index} is not in a tree of {size}")
        siblings: list[bytes] = []
        lo, hi = 0, size
        while hi - lo > 1:
            k = split(hi - lo)
            if index < lo + k:
                siblings.append(self.subtree(lo + k, hi))
                hi = lo + k
            else:
                siblings.append(self.subtree(lo, lo + k))
                lo += k
        siblings.reverse()  # the RFC lists the deepest sibling first
        return siblings

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        """PROOF(first, D[second])."""
        second = self.size if second is None else second
        self._check_size(second)
        if not 0 < first <= second:
            raise ValueError(f"no consistency proof from {first} to {second}")
        nodes: list[bytes] = []
        lo, hi, m, whole = 0, second, first, True
        while True:
            n = hi - lo
            if m == n:
                if not whole:
                    nodes.append(self.subtree(lo, hi))
                break
            k = split(n)
            if m <= k:
                nodes.append(self.subtree(lo + k, hi))
                hi = lo + k
            else:
                nodes.append(self.subtree(lo, lo + k))
                lo += k
                m -= k
                whole = False
        nodes.reverse()
        return nodes
