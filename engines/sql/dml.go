package sql

import (
	"fmt"
	"slices"

	"github.com/proven2pc/proven/engines/sql/parser"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/mvcc"
)

// dml runs INSERT, UPDATE and DELETE: it computes every row change
// first, then locks, checks and writes them as one step.
type dml struct{ s *session }

// rowChange is one row a DML statement writes: an insert (oldKey nil),
// a delete (newRow nil) or an update.
type rowChange struct {
	oldKey []byte
	oldRow []Value
	newRow []Value
	newKey []byte
	// encoded is encodeRow of newRow, made by prepareChange.
	encoded []byte
}

func (m dml) insert(stmt *parser.Insert) (*Result, error) {
	t, err := m.s.catalog().table(stmt.Table)
	if err != nil {
		return nil, err
	}
	targets, err := insertTargets(t, stmt.Columns)
	if err != nil {
		return nil, err
	}
	returning, err := m.compileReturning(t, stmt.Returning)
	if err != nil {
		return nil, err
	}
	sources, err := m.insertSources(stmt, len(targets))
	if err != nil {
		return nil, err
	}
	changes := make([]rowChange, 0, len(sources))
	for _, source := range sources {
		row, err := m.buildRow(t, targets, source)
		if err != nil {
			return nil, err
		}
		changes = append(changes, rowChange{newRow: row})
	}
	return m.applyChanges(t, changes, returning)
}

// insertTargets maps the column list (or every column) to positions.
func insertTargets(t *tableSchema, names []string) ([]int, error) {
	if len(names) == 0 {
		targets := make([]int, len(t.Columns))
		for i := range targets {
			targets[i] = i
		}
		return targets, nil
	}
	seen := map[int]bool{}
	targets := make([]int, len(names))
	for i, name := range names {
		position, ok := t.columnByName(name)
		if !ok {
			return nil, fmt.Errorf("%w: %s.%s", ErrUnknownColumn, t.Name, name)
		}
		if seen[position] {
			return nil, fmt.Errorf("%w: column %s named twice", ErrInvalid, name)
		}
		seen[position], targets[i] = true, position
	}
	return targets, nil
}

// insertSources returns the rows to insert as expressions or values;
// a nil entry means DEFAULT. Every VALUES expression is compiled before
// any is evaluated.
func (m dml) insertSources(stmt *parser.Insert, width int) ([][]*Value, error) {
	if stmt.DefaultValues {
		return [][]*Value{make([]*Value, width)}, nil
	}
	if stmt.Query != nil {
		return m.querySources(stmt.Query, width)
	}
	c := &compiler{s: m.s, scope: &planScope{}, clause: "VALUES"}
	compiled := make([][]expression, len(stmt.Rows))
	for i, exprs := range stmt.Rows {
		if len(exprs) != width {
			return nil, fmt.Errorf("%w: INSERT of %d columns given %d values", ErrInvalid, width, len(exprs))
		}
		compiled[i] = make([]expression, width)
		for j, e := range exprs {
			if _, isDefault := e.(*parser.DefaultValue); isDefault {
				continue
			}
			var err error
			if compiled[i][j], err = c.compile(e); err != nil {
				return nil, err
			}
		}
	}
	sources := make([][]*Value, len(stmt.Rows))
	f := &frame{}
	for i, row := range compiled {
		sources[i] = make([]*Value, width)
		values := make([]Value, width) // one allocation for the row's values
		for j, e := range row {
			if e == nil {
				continue
			}
			v, err := e.eval(m.s, f)
			if err != nil {
				return nil, err
			}
			values[j] = v
			sources[i][j] = &values[j]
		}
	}
	return sources, nil
}

// querySources runs the query of INSERT ... SELECT.
func (m dml) querySources(q *parser.Query, width int) ([][]*Value, error) {
	plan, err := m.s.planner().planQuery(q, queryContext{})
	if err != nil {
		return nil, err
	}
	if len(plan.columns) != width {
		return nil, fmt.Errorf("%w: INSERT of %d columns from a query of %d", ErrInvalid, width, len(plan.columns))
	}
	result, err := plan.run(m.s, nil)
	if err != nil {
		return nil, err
	}
	sources := make([][]*Value, len(result.Rows))
	for i, row := range result.Rows {
		sources[i] = make([]*Value, width)
		for j := range row {
			sources[i][j] = &row[j]
		}
	}
	return sources, nil
}

// buildRow fills a full row: given values cast to column types, other
// columns from their DEFAULT (or NULL).
func (m dml) buildRow(t *tableSchema, targets []int, source []*Value) ([]Value, error) {
	row := make([]Value, len(t.Columns))
	given := make([]bool, len(t.Columns))
	for i, position := range targets {
		if source[i] == nil {
			continue
		}
		v, err := assignCast(*source[i], t.Columns[position].Type)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", t.Columns[position].Name, err)
		}
		row[position], given[position] = v, true
	}
	for position, c := range t.Columns {
		if given[position] || c.Default == "" {
			continue
		}
		v, err := m.s.defaultValue(c)
		if err != nil {
			return nil, err
		}
		row[position] = v
	}
	return row, nil
}

// defaultValue evaluates a column's stored DEFAULT expression.
func (s *session) defaultValue(c column) (Value, error) {
	e, err := parser.ParseExpr(c.Default)
	if err != nil {
		return Value{}, fmt.Errorf("sql: stored default of %s does not parse: %w", c.Name, err)
	}
	compiled, err := (&compiler{s: s, scope: &planScope{}, clause: "DEFAULT"}).compile(e)
	if err != nil {
		return Value{}, fmt.Errorf("default of column %s: %w", c.Name, err)
	}
	v, err := compiled.eval(s, &frame{})
	if err != nil {
		return Value{}, fmt.Errorf("default of column %s: %w", c.Name, err)
	}
	return assignCast(v, c.Type)
}

// tableScope names the columns of one table, for UPDATE, DELETE and
// RETURNING.
func tableScope(t *tableSchema) *planScope {
	scope := &planScope{columns: make([]scopeColumn, len(t.Columns))}
	for i, c := range t.Columns {
		scope.columns[i] = scopeColumn{table: t.Name, name: c.Name}
	}
	return scope
}

func (m dml) update(stmt *parser.Update) (*Result, error) {
	t, err := m.s.catalog().table(stmt.Table)
	if err != nil {
		return nil, err
	}
	scope := tableScope(t)
	c := &compiler{s: m.s, scope: scope, clause: "UPDATE"}
	positions := make([]int, len(stmt.Assignments))
	values := make([]expression, len(stmt.Assignments))
	for i, assignment := range stmt.Assignments {
		position, ok := t.columnByName(assignment.Column)
		if !ok {
			return nil, fmt.Errorf("%w: %s.%s", ErrUnknownColumn, t.Name, assignment.Column)
		}
		if values[i], err = c.compile(assignment.Value); err != nil {
			return nil, err
		}
		positions[i] = position
	}
	conditions, err := m.compileWhere(scope, stmt.Where)
	if err != nil {
		return nil, err
	}
	returning, err := m.compileReturning(t, stmt.Returning)
	if err != nil {
		return nil, err
	}
	var changes []rowChange
	err = m.matchingRows(t, conditions, func(key []byte, row []Value, f *frame) error {
		newRow := append([]Value(nil), row...)
		for i, value := range values {
			v, err := value.eval(m.s, f)
			if err != nil {
				return err
			}
			if newRow[positions[i]], err = assignCast(v, t.Columns[positions[i]].Type); err != nil {
				return fmt.Errorf("column %s: %w", stmt.Assignments[i].Column, err)
			}
		}
		changes = append(changes, rowChange{oldKey: key, oldRow: row, newRow: newRow})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m.applyChanges(t, changes, returning)
}

func (m dml) delete(stmt *parser.Delete) (*Result, error) {
	t, err := m.s.catalog().table(stmt.Table)
	if err != nil {
		return nil, err
	}
	conditions, err := m.compileWhere(tableScope(t), stmt.Where)
	if err != nil {
		return nil, err
	}
	returning, err := m.compileReturning(t, stmt.Returning)
	if err != nil {
		return nil, err
	}
	var changes []rowChange
	err = m.matchingRows(t, conditions, func(key []byte, row []Value, _ *frame) error {
		changes = append(changes, rowChange{oldKey: key, oldRow: row})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m.applyChanges(t, changes, returning)
}

// compileWhere compiles the conjuncts of a WHERE clause over one table.
func (m dml) compileWhere(scope *planScope, where parser.Expr) ([]expression, error) {
	c := &compiler{s: m.s, scope: scope, clause: "WHERE"}
	return c.compileAll(conjuncts(where))
}

// matchingRows visits the rows of t that satisfy every condition, under
// the predicate lock of the chosen access path.
func (m dml) matchingRows(t *tableSchema, conditions []expression, visit func(key []byte, row []Value, f *frame) error) error {
	path := m.s.planner().chooseAccess(t, 0, conditions)
	if err := m.s.locks().predicate(path.lock); err != nil {
		return err
	}
	type match struct {
		key []byte
		row []Value
	}
	var matches []match
	f := &frame{}
	err := m.s.readPath(path, func(key []byte, row []Value) error {
		f.row = row
		ok, err := holdsAll(m.s, conditions, f)
		if ok {
			matches = append(matches, match{key: append([]byte(nil), key...), row: row})
		}
		return firstError(err, m.s.produced(1))
	})
	if err != nil {
		return err
	}
	for _, match := range matches {
		if err := visit(match.key, match.row, &frame{row: match.row}); err != nil {
			return err
		}
	}
	return nil
}

// returningPlan is a compiled RETURNING clause.
type returningPlan struct {
	items   []expression
	columns []string
}

func (m dml) compileReturning(t *tableSchema, items []parser.SelectItem) (*returningPlan, error) {
	if len(items) == 0 {
		return nil, nil
	}
	scope := tableScope(t)
	targets, names, err := expandItems(items, scope)
	if err != nil {
		return nil, err
	}
	compiled, err := (&compiler{s: m.s, scope: scope, clause: "RETURNING"}).compileTargets(targets)
	if err != nil {
		return nil, err
	}
	return &returningPlan{items: compiled, columns: names}, nil
}

// applyChanges checks and writes a statement's row changes as one step:
// keys and NOT NULL first, then row locks, then uniqueness, then writes.
// Nothing is written unless everything passes, so a blocked or failed
// statement leaves no effect on data.
func (m dml) applyChanges(t *tableSchema, changes []rowChange, returning *returningPlan) (*Result, error) {
	for i := range changes {
		if err := m.prepareChange(t, &changes[i]); err != nil {
			return nil, err
		}
	}
	for _, change := range changes {
		if err := m.lockChange(t, change); err != nil {
			return nil, err
		}
	}
	if err := m.checkUnique(t, changes); err != nil {
		return nil, err
	}
	result := &Result{RowsAffected: int64(len(changes))}
	if returning != nil {
		if err := m.returning(changes, returning, result); err != nil {
			return nil, err
		}
	}
	m.writeChanges(t, changes)
	return result, nil
}

// prepareChange computes the new key and checks NOT NULL and sizes.
func (m dml) prepareChange(t *tableSchema, change *rowChange) error {
	if change.newRow == nil {
		return nil
	}
	for position, c := range t.Columns {
		if change.newRow[position].IsNull() && (c.NotNull || isKeyColumn(t, c.ID)) {
			return fmt.Errorf("%w: NOT NULL column %s.%s given NULL", ErrConstraint, t.Name, c.Name)
		}
	}
	switch {
	case len(t.PrimaryKey) > 0:
		change.newKey = value.AppendKeyTuple(rowPrefix(t.ID), keyValues(change.newRow, t.primaryKeyPositions())...)
	case change.oldKey != nil:
		change.newKey = change.oldKey
	default:
		change.newKey = value.AppendKeyTuple(rowPrefix(t.ID), value.Bytes([]byte(m.s.newID())))
	}
	if len(change.newKey)+64 > mvcc.KeyLenMax {
		return fmt.Errorf("%w: primary key of %s too long", ErrLimit, t.Name)
	}
	change.encoded = encodeRow(t, change.newRow)
	if len(change.encoded) > mvcc.ValueLenMax {
		return fmt.Errorf("%w: row of %s too large", ErrLimit, t.Name)
	}
	return nil
}

func isKeyColumn(t *tableSchema, id int) bool {
	for _, key := range t.PrimaryKey {
		if key == id {
			return true
		}
	}
	return false
}

func image(t *tableSchema, row []Value) []columnValue {
	out := make([]columnValue, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = columnValue{Name: c.Name, Value: row[i]}
	}
	return out
}

// lockChange takes exclusive row locks on the old and new keys, with the
// old and new images.
func (m dml) lockChange(t *tableSchema, change rowChange) error {
	var images [][]columnValue
	if change.oldRow != nil {
		images = append(images, image(t, change.oldRow))
	}
	if change.newRow != nil {
		images = append(images, image(t, change.newRow))
	}
	if change.oldKey != nil {
		if err := m.s.locks().row(rowLock{Table: t.Name, Key: string(change.oldKey), Images: images}); err != nil {
			return err
		}
	}
	if change.newKey != nil && string(change.newKey) != string(change.oldKey) {
		return m.s.locks().row(rowLock{Table: t.Name, Key: string(change.newKey), Images: images[len(images)-1:]})
	}
	return nil
}

// checkUnique refuses duplicate primary keys and unique index values,
// among the statement's rows and against the stored rows it does not
// replace.
func (m dml) checkUnique(t *tableSchema, changes []rowChange) error {
	// The maps are made only when needed: most statements change one row,
	// whose own old key is compared directly.
	var removed, added map[string]bool
	needRemoved := len(changes) > 1 || slices.ContainsFunc(t.Indexes, func(index indexSchema) bool { return index.Unique })
	for _, change := range changes {
		if change.oldKey != nil && needRemoved {
			if removed == nil {
				removed = map[string]bool{}
			}
			removed[string(change.oldKey)] = true
		}
	}
	if len(changes) > 1 {
		added = make(map[string]bool, len(changes))
	}
	for _, change := range changes {
		if change.newKey == nil {
			continue
		}
		if added != nil {
			if added[string(change.newKey)] {
				return fmt.Errorf("%w: duplicate primary key in %s", ErrConstraint, t.Name)
			}
			added[string(change.newKey)] = true
		}
		if removed[string(change.newKey)] || change.oldKey != nil && string(change.oldKey) == string(change.newKey) {
			continue
		}
		_, found, err := m.s.get(change.newKey)
		if err != nil {
			return err
		}
		if found {
			return fmt.Errorf("%w: duplicate primary key in %s", ErrConstraint, t.Name)
		}
	}
	for i := range t.Indexes {
		if t.Indexes[i].Unique {
			if err := m.checkUniqueIndex(t, &t.Indexes[i], changes, removed); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m dml) checkUniqueIndex(t *tableSchema, index *indexSchema, changes []rowChange, removed map[string]bool) error {
	positions := t.positions(index.Columns)
	seen := map[string]bool{}
	for _, change := range changes {
		if change.newRow == nil || hasNull(change.newRow, positions) {
			continue
		}
		prefix := value.AppendKeyTuple(entryPrefix(index.ID), keyValues(change.newRow, positions)...)
		if seen[string(prefix)] {
			return fmt.Errorf("%w: duplicate value in unique index %s", ErrConstraint, index.Name)
		}
		seen[string(prefix)] = true
		first := t.Columns[positions[0]]
		lock := predicate{Table: t.Name, Column: first.Name,
			Low:  bound{Set: true, Value: change.newRow[positions[0]], Inclusive: true},
			High: bound{Set: true, Value: change.newRow[positions[0]], Inclusive: true}}
		if err := m.s.locks().predicate(lock); err != nil {
			return err
		}
		duplicate := false
		err := m.s.scan(prefix, prefixEnd(prefix), func(_, suffix []byte) (bool, error) {
			rowKey := string(rowPrefix(t.ID)) + string(suffix)
			duplicate = !removed[rowKey]
			return !duplicate, nil
		})
		if err != nil {
			return err
		}
		if duplicate {
			return fmt.Errorf("%w: duplicate value in unique index %s", ErrConstraint, index.Name)
		}
	}
	return nil
}

func hasNull(row []Value, positions []int) bool {
	for _, position := range positions {
		if row[position].IsNull() {
			return true
		}
	}
	return false
}

// writeChanges removes old rows and entries first, then writes new ones,
// so rows may swap keys within one statement.
func (m dml) writeChanges(t *tableSchema, changes []rowChange) {
	m.s.engine.countRows(t.ID, changedRows(changes))
	for _, change := range changes {
		if change.oldKey == nil {
			continue
		}
		for i := range t.Indexes {
			m.s.remove(indexEntryKey(t, &t.Indexes[i], change.oldKey, change.oldRow))
		}
		if change.newKey == nil || string(change.newKey) != string(change.oldKey) {
			m.s.remove(change.oldKey)
		}
	}
	for _, change := range changes {
		if change.newRow == nil {
			continue
		}
		m.s.put(change.newKey, change.encoded)
		for i := range t.Indexes {
			m.s.put(indexEntryKey(t, &t.Indexes[i], change.newKey, change.newRow), change.newKey[len(rowPrefix(t.ID)):])
		}
	}
}

// indexEntryKey is the entry of row (stored under rowKey) in index: the
// index values, then the row key's tuple, so entries are unique.
func indexEntryKey(t *tableSchema, index *indexSchema, rowKey []byte, row []Value) []byte {
	key := value.AppendKeyTuple(entryPrefix(index.ID), keyValues(row, t.positions(index.Columns))...)
	return append(key, rowKey[len(rowPrefix(t.ID)):]...)
}

func (m dml) returning(changes []rowChange, plan *returningPlan, result *Result) error {
	result.Columns = plan.columns
	f := &frame{}
	for _, change := range changes {
		f.row = change.newRow
		if f.row == nil {
			f.row = change.oldRow
		}
		projected := make([]Value, len(plan.items))
		for i, item := range plan.items {
			v, err := item.eval(m.s, f)
			if err != nil {
				return err
			}
			projected[i] = v
		}
		result.Rows = append(result.Rows, projected)
	}
	return nil
}
