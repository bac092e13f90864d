package kv

import (
	"maps"
	"slices"
)

// keySet is a set of keys that costs no allocation while it holds one key,
// the common case (an autocommit Put or Get locks one key). Larger sets
// use a map. The zero value is empty.
//
// Invariant: when many is nil the set is {only} if hasOnly, else empty;
// when many is not nil it holds the whole set and hasOnly is false.
type keySet struct {
	only    string
	hasOnly bool
	many    map[string]struct{}
}

func (s *keySet) len() int {
	if s.many != nil {
		return len(s.many)
	}
	if s.hasOnly {
		return 1
	}
	return 0
}

func (s *keySet) has(key string) bool {
	if s.many != nil {
		_, found := s.many[key]
		return found
	}
	return s.hasOnly && s.only == key
}

func (s *keySet) add(key string) {
	switch {
	case s.many != nil:
		s.many[key] = struct{}{}
	case !s.hasOnly:
		s.only, s.hasOnly = key, true
	case s.only != key:
		s.many = map[string]struct{}{s.only: {}, key: {}}
		s.only, s.hasOnly = "", false
	}
}

func (s *keySet) remove(key string) {
	if s.many != nil {
		delete(s.many, key)
		return
	}
	if s.hasOnly && s.only == key {
		s.only, s.hasOnly = "", false
	}
}

// sorted returns the keys in increasing order.
func (s *keySet) sorted() []string {
	if s.many != nil {
		return slices.Sorted(maps.Keys(s.many))
	}
	if s.hasOnly {
		return []string{s.only}
	}
	return nil
}

// each calls visit with every key, in no particular order: only for
// visits whose effects do not depend on the order.
func (s *keySet) each(visit func(key string)) {
	if s.many != nil {
		for key := range s.many { //proven:allow map-order: callers' visits are independent of the order
			visit(key)
		}
		return
	}
	if s.hasOnly {
		visit(s.only)
	}
}
