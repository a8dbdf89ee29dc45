"""Merkle trees against RFC 9162 §2.1: the definitions, the verification algorithms, and the
incremental tree the ledger keeps, over known vectors and random trees (hypothesis)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infra.integrity.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    leaf_hash,
    mth,
    node_hash,
    path,
    proof,
    verify_consistency,
    verify_inclusion,
)

# The eight leaves of Certificate Transparency's reference test data (RFC 6962 test vectors,
# reused by RFC 9162 implementations), and the roots of their first n.
LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
HASHES = [leaf_hash(d) for d in LEAVES]


def h(hexes: str) -> list[bytes]:
    return [bytes.fromhex(x) for x in hexes.split()]


# (leaf index, tree size, path) from the same test data.
INCLUSION = [
    (0, 1, []),
    (
        0,
        8,
        h(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7 "
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e "
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"
        ),
    ),
    (
        5,
        8,
        h(
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b "
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0 "
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"
        ),
    ),
    (2, 3, h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
    (
        1,
        5,
        h(
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d "
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e "
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"
        ),
    ),
]
# (first size, second size, proof)
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        h(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7 "
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e "
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"
        ),
    ),
    (
        6,
        8,
        h(
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a "
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0 "
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"
        ),
    ),
    (
        2,
        5,
        h(
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e "
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"
        ),
    ),
]


def hashes_of(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(8, "big")) for i in range(n)]


def tampered(items: list[bytes], index: int) -> list[bytes]:
    changed = list(items)
    changed[index] = hashlib.sha256(changed[index]).digest()
    return changed


# Hashing and the tree hash -------------------------------------------------------------------


def test_leaves_and_nodes_are_hashed_with_their_domain_prefix() -> None:
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert node_hash(b"l", b"r") == hashlib.sha256(b"\x01lr").digest()
    assert mth([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()


@pytest.mark.parametrize("n", range(1, 9))
def test_the_tree_hash_of_the_reference_leaves(n: int) -> None:
    assert mth(HASHES[:n]).hex() == ROOTS[n - 1]
    assert MerkleTree(HASHES).root(n).hex() == ROOTS[n - 1]


@pytest.mark.parametrize(("index", "size", "expected"), INCLUSION)
def test_inclusion_paths_of_the_reference_leaves(
    index: int, size: int, expected: list[bytes]
) -> None:
    assert path(index, HASHES[:size]) == expected
    assert MerkleTree(HASHES).inclusion_proof(index, size) == expected
    root = bytes.fromhex(ROOTS[size - 1])
    assert verify_inclusion(index, size, HASHES[index], expected, root)


@pytest.mark.parametrize(("first", "second", "expected"), CONSISTENCY)
def test_consistency_proofs_of_the_reference_leaves(
    first: int, second: int, expected: list[bytes]
) -> None:
    assert proof(first, HASHES[:second]) == expected
    assert MerkleTree(HASHES).consistency_proof(first, second) == expected
    old, new = bytes.fromhex(ROOTS[first - 1]), bytes.fromhex(ROOTS[second - 1])
    assert verify_consistency(first, second, old, new, expected)


# Any tree ------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=1, max_value=300))
def test_the_incremental_tree_agrees_with_the_definition_at_every_size(n: int) -> None:
    leaves = hashes_of(n)
    tree = MerkleTree(leaves)
    assert tree.size == n
    for size in {1, n // 3 or 1, n // 2 or 1, n - 1 or 1, n}:
        assert tree.root(size) == mth(leaves[:size])


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=200), st.data())
def test_every_leaf_proves_its_inclusion_and_a_modified_leaf_does_not(
    n: int, data: st.DataObject
) -> None:
    leaves = hashes_of(n)
    tree = MerkleTree(leaves)
    root = tree.root()
    for index in range(n):
        inclusion = tree.inclusion_proof(index)
        assert inclusion == path(index, leaves)
        assert verify_inclusion(index, n, leaves[index], inclusion, root)
        assert not verify_inclusion(index, n, leaf_hash(b"forged"), inclusion, root)
    index = data.draw(st.integers(min_value=0, max_value=n - 1))
    inclusion = tree.inclusion_proof(index)
    # The proof of a leaf is no proof of another leaf, nor against another root.
    if n > 1:
        other = data.draw(st.integers(min_value=0, max_value=n - 1).filter(lambda i: i != index))
        assert not verify_inclusion(other, n, leaves[index], inclusion, root)
    assert not verify_inclusion(index, n, leaves[index], inclusion, tampered([root], 0)[0])


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=2, max_value=200), st.data())
def test_a_tampered_inclusion_proof_does_not_verify(n: int, data: st.DataObject) -> None:
    leaves = hashes_of(n)
    tree = MerkleTree(leaves)
    index = data.draw(st.integers(min_value=0, max_value=n - 1))
    inclusion = tree.inclusion_proof(index)
    root = tree.root()
    which = data.draw(st.integers(min_value=0, max_value=len(inclusion) - 1))
    assert not verify_inclusion(index, n, leaves[index], tampered(inclusion, which), root)
    assert not verify_inclusion(index, n, leaves[index], inclusion[:-1], root)
    assert not verify_inclusion(index, n, leaves[index], [*inclusion, root], root)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=1, max_value=300), st.data())
def test_consistency_proofs_between_any_two_sizes_verify(n: int, data: st.DataObject) -> None:
    leaves = hashes_of(n)
    tree = MerkleTree(leaves)
    first = data.draw(st.integers(min_value=1, max_value=n))
    consistency = tree.consistency_proof(first, n)
    assert consistency == proof(first, leaves)
    assert verify_consistency(first, n, tree.root(first), tree.root(n), consistency)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=2, max_value=300), st.data())
def test_a_tampered_consistency_proof_or_a_rewritten_log_does_not_verify(
    n: int, data: st.DataObject
) -> None:
    leaves = hashes_of(n)
    tree = MerkleTree(leaves)
    first = data.draw(st.integers(min_value=1, max_value=n - 1))
    consistency = tree.consistency_proof(first, n)
    old, new = tree.root(first), tree.root(n)
    which = data.draw(st.integers(min_value=0, max_value=len(consistency) - 1))
    assert not verify_consistency(first, n, old, new, tampered(consistency, which))
    assert not verify_consistency(first, n, old, new, consistency[:-1])
    # A log rewritten below the first checkpoint: the new root cannot extend the old one.
    rewritten = MerkleTree(tampered(leaves, data.draw(st.integers(0, first - 1))))
    assert not verify_consistency(
        first, n, old, rewritten.root(n), rewritten.consistency_proof(first, n)
    )
    assert not verify_consistency(first, n, tampered([old], 0)[0], new, consistency)


def test_sizes_outside_a_tree_are_refused() -> None:
    tree = MerkleTree(hashes_of(4))
    with pytest.raises(ValueError, match="not in a tree"):
        tree.inclusion_proof(4)
    with pytest.raises(ValueError, match="no consistency proof"):
        tree.consistency_proof(0, 4)
    with pytest.raises(ValueError, match="leaves"):
        tree.root(5)
    assert not verify_inclusion(4, 4, HASHES[0], [], tree.root())
    assert not verify_consistency(5, 4, tree.root(), tree.root(), [])
    assert not verify_consistency(2, 4, tree.root(2), tree.root(), [])
