// Package txnset is the small sorted set of transaction ids that engines
// keep for the holders of a claim (the lock holders of a queue, the
// appenders of a stream table): holders are few, and a sorted slice keeps
// every iteration deterministic, where a map's order would not be.
//
// Contract: Set is a slice sorted ascending without repeats; Add and
// Remove keep it so, and its zero value is the empty set. Callers may
// range over it, index it and take its length, never append to it.
//
// What it does not do: it counts nothing and knows no order but the ids'.
//
// Tested by a rapid property against a map.
package txnset
