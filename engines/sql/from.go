package sql

import "fmt"

// readPath visits the rows of a path (a superset of those WHERE keeps).
func (s *session) readPath(p accessPath, visit func(key []byte, row []Value) error) error {
	start, end := p.keyRange()
	if p.index == nil && p.equalities && len(p.table.PrimaryKey) == 1 {
		// The key of the one row the path may hold: a point read.
		raw, found, err := s.get(start)
		if err != nil || !found {
			return err
		}
		row, err := newRowDecoder(p.table).decode(raw)
		if err != nil {
			return fmt.Errorf("sql: row of %s does not decode: %w", p.table.Name, err)
		}
		return visit(start, row)
	}
	decoder := newRowDecoder(p.table)
	if p.index == nil {
		return s.scan(start, end, func(key, raw []byte) (bool, error) {
			row, err := decoder.decode(raw)
			if err != nil {
				return false, fmt.Errorf("sql: row of %s does not decode: %w", p.table.Name, err)
			}
			return true, visit(key, row)
		})
	}
	var rowKeys [][]byte
	err := s.scan(start, end, func(_, suffix []byte) (bool, error) {
		rowKeys = append(rowKeys, append(rowPrefix(p.table.ID), suffix...))
		return true, nil
	})
	if err != nil {
		return err
	}
	for _, key := range rowKeys {
		raw, found, err := s.get(key)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("sql: index %s names a missing row of %s", p.index.Name, p.table.Name)
		}
		row, err := decoder.decode(raw)
		if err != nil {
			return err
		}
		if err := visit(key, row); err != nil {
			return err
		}
	}
	return nil
}
