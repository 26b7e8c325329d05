"""Merkle trees as RFC 6962 / RFC 9162 §2.1 define them: roots and inclusion proofs (pure)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def leaf_hash(data: bytes) -> bytes:
    """HASH(0x00 || leaf): the leaf prefix keeps a leaf from passing for an inner node."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


class MerkleTree:
    """MTH(D[n]) of already hashed leaves, with subtree roots kept: n proofs cost n log n."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.leaves = list(leaves)
        self._roots: dict[tuple[int, int], bytes] = {}

    @property
    def root(self) -> bytes:
        """The tree's root; the empty tree's is SHA-256 of nothing."""
        if not self.leaves:
            return hashlib.sha256(b"").digest()
        return self._root(0, len(self.leaves))

    def _root(self, lo: int, hi: int) -> bytes:
        if hi - lo == 1:
            return self.leaves[lo]
        known = self._roots.get((lo, hi))
        if known is None:
            k = lo + _split(hi - lo)
            known = node_hash(self._root(lo, k), self._root(k, hi))
            self._roots[(lo, hi)] = known
        return known

    def proof(self, index: int) -> list[bytes]:
        """PATH(m, D[n]): the sibling hashes from leaf `index` up to the root."""
        if not 0 <= index < len(self.leaves):
            raise ValueError(f"leaf {index} is not in a tree of {len(self.leaves)}")
        path: list[bytes] = []
        lo, hi = 0, len(self.leaves)
        while hi - lo > 1:
            k = lo + _split(hi - lo)
            if index < k:
                path.append(self._root(k, hi))
                hi = k
            else:
                path.append(self._root(lo, k))
                lo = k
        path.reverse()  # leaf upwards
        return path


def root_of(leaves: Sequence[bytes]) -> bytes:
    return MerkleTree(leaves).root


def root_from_proof(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes | None:
    """The root an inclusion proof leads to (RFC 9162 §2.1.3.2), or None when it cannot fit."""
    if not 0 <= index < size:
        return None
    fn, sn = index, size - 1
    result = leaf
    for sibling in proof:
        if sn == 0:
            return None
        if fn % 2 == 1 or fn == sn:
            result = node_hash(sibling, result)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    return result if sn == 0 else None
