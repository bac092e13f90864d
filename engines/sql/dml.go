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
	changes := make([]rowChange, sources.count())
	for i := range changes {
		if changes[i].newRow, err = m.buildRow(t, targets, sources.source(i)); err != nil {
			return nil, err
		}
	}
	return m.applyChanges(t, changes, returning)
}

// insertTargets maps the column list (or every column) to positions.
func insertTargets(t *tableSchema, names []string) ([]int, error) {
	if len(names) == 0 {
		return t.everyPosition(), nil
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

// insertSource is one row to insert: its values, and which of them
// are given (nil: all); the others take their column's DEFAULT.
type insertSource struct {
	values []Value
	given  []bool
}

// insertSources are the rows to insert: of VALUES, one after the other
// in flat (given says which, nil: all), or of a query.
type insertSources struct {
	width int
	flat  []Value
	given []bool
	rows  [][]Value
}

func (sources insertSources) count() int {
	if sources.rows != nil || sources.width == 0 {
		return len(sources.rows)
	}
	return len(sources.flat) / sources.width
}

func (sources insertSources) source(i int) insertSource {
	if sources.rows != nil {
		return insertSource{values: sources.rows[i]}
	}
	source := insertSource{values: sources.flat[i*sources.width : (i+1)*sources.width]}
	if sources.given != nil {
		source.given = sources.given[i*sources.width : (i+1)*sources.width]
	}
	return source
}

// insertSources returns the rows to insert. Every VALUES expression is
// compiled before any is evaluated.
func (m dml) insertSources(stmt *parser.Insert, width int) (insertSources, error) {
	if stmt.DefaultValues {
		return insertSources{width: width, flat: make([]Value, width), given: make([]bool, width)}, nil
	}
	if stmt.Query != nil {
		return m.querySources(stmt.Query, width)
	}
	// Literals and parameters (most VALUES) need no compiling.
	var c *compiler
	var compiled []expression // by position in values; made when needed
	values := make([]Value, len(stmt.Rows)*width)
	var given []bool // made at the first DEFAULT
	for i, exprs := range stmt.Rows {
		if len(exprs) != width {
			return insertSources{}, fmt.Errorf("%w: INSERT of %d columns given %d values", ErrInvalid, width, len(exprs))
		}
		for j, e := range exprs {
			at := i*width + j
			if _, isDefault := e.(*parser.DefaultValue); isDefault {
				if given == nil {
					given = make([]bool, len(values))
					for k := range at {
						given[k] = true
					}
				}
				continue
			}
			if given != nil {
				given[at] = true
			}
			if v, ok, err := m.s.literal(e); ok || err != nil {
				values[at] = v
				if err != nil {
					return insertSources{}, err
				}
				continue
			}
			if c == nil {
				c = &compiler{s: m.s, scope: &planScope{}, clause: "VALUES"}
				compiled = make([]expression, len(values))
			}
			var err error
			if compiled[at], err = c.compile(e); err != nil {
				return insertSources{}, err
			}
		}
	}
	var f *frame // made when something was compiled
	for at, e := range compiled {
		if e == nil {
			continue
		}
		if f == nil {
			f = &frame{}
		}
		v, err := e.eval(m.s, f)
		if err != nil {
			return insertSources{}, err
		}
		values[at] = v
	}
	return insertSources{width: width, flat: values, given: given}, nil
}

// querySources runs the query of INSERT ... SELECT.
func (m dml) querySources(q *parser.Query, width int) (insertSources, error) {
	plan, err := m.s.planner().planQuery(q, queryContext{})
	if err != nil {
		return insertSources{}, err
	}
	if len(plan.columns) != width {
		return insertSources{}, fmt.Errorf("%w: INSERT of %d columns from a query of %d", ErrInvalid, width, len(plan.columns))
	}
	result, err := plan.run(m.s, nil)
	if err != nil {
		return insertSources{}, err
	}
	if result.Rows == nil {
		result.Rows = [][]Value{}
	}
	return insertSources{width: width, rows: result.Rows}, nil
}

// buildRow fills a full row: given values cast to column types, other
// columns from their DEFAULT (or NULL).
func (m dml) buildRow(t *tableSchema, targets []int, source insertSource) ([]Value, error) {
	row := make([]Value, len(t.Columns))
	var buffer [64]bool // the columns given, for tables of up to 64 columns
	set := buffer[:]
	if len(t.Columns) > len(buffer) {
		set = make([]bool, len(t.Columns))
	}
	for i, position := range targets {
		if source.given != nil && !source.given[i] {
			continue
		}
		v, err := assignCast(source.values[i], t.Columns[position].Type)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", t.Columns[position].Name, err)
		}
		row[position], set[position] = v, true
	}
	for position, c := range t.Columns {
		if set[position] || c.Default == "" {
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

// literal evaluates a literal or a parameter, which VALUES holds most
// often, without compiling it; ok is false for anything else.
func (s *session) literal(e parser.Expr) (v Value, ok bool, err error) {
	switch e := e.(type) {
	case *parser.Parameter:
		v, err := s.argument(e.Index)
		return v, true, err
	case *parser.NumberLiteral:
		v, err := numberLiteral(e.Text)
		return v, true, err
	case *parser.StringLiteral:
		return Text(e.Value), true, nil
	case *parser.NullLiteral:
		return Null(), true, nil
	case *parser.BoolLiteral:
		return Bool(e.Value), true, nil
	}
	return Value{}, false, nil
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
	if t.scope != nil {
		return &planScope{columns: t.scope}
	}
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
	plan, err := m.writePlan(stmt, t, stmt.Where, stmt.Returning, stmt.Assignments)
	if err != nil {
		return nil, err
	}
	var changes []rowChange
	err = m.matchingRows(t, plan.conditions, func(key []byte, row []Value, f *frame) error {
		newRow := append([]Value(nil), row...)
		for i, value := range plan.values {
			v, err := value.eval(m.s, f)
			if err != nil {
				return err
			}
			if newRow[plan.positions[i]], err = assignCast(v, t.Columns[plan.positions[i]].Type); err != nil {
				return fmt.Errorf("column %s: %w", stmt.Assignments[i].Column, err)
			}
		}
		changes = append(changes, rowChange{oldKey: key, oldRow: row, newRow: newRow})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m.applyChanges(t, changes, plan.returning)
}

func (m dml) delete(stmt *parser.Delete) (*Result, error) {
	t, err := m.s.catalog().table(stmt.Table)
	if err != nil {
		return nil, err
	}
	plan, err := m.writePlan(stmt, t, stmt.Where, stmt.Returning, nil)
	if err != nil {
		return nil, err
	}
	var changes []rowChange
	err = m.matchingRows(t, plan.conditions, func(key []byte, row []Value, _ *frame) error {
		changes = append(changes, rowChange{oldKey: key, oldRow: row})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m.applyChanges(t, changes, plan.returning)
}

// writePlan is a compiled UPDATE or DELETE over one version of a table.
type writePlan struct {
	schema     *tableSchema
	conditions []expression // WHERE's conjuncts
	positions  []int        // UPDATE: the columns assigned
	values     []expression // and their values
	returning  *returningPlan
	parameters int // the highest parameter number used
}

// writePlan compiles an UPDATE (with assignments) or DELETE, or reuses
// what compiling the same parsed statement against the same schema gave
// before (writePlans).
func (m dml) writePlan(stmt parser.Statement, t *tableSchema, where parser.Expr, returning []parser.SelectItem, assignments []parser.Assignment) (*writePlan, error) {
	if plan, ok := m.s.engine.writePlans.find(stmt, t); ok {
		if plan.parameters > len(m.s.args) {
			_, err := m.s.argument(plan.parameters)
			return nil, err
		}
		return plan, nil
	}
	m.s.parametersMax = 0
	scope := tableScope(t)
	c := &compiler{s: m.s, scope: scope, clause: "UPDATE"}
	plan := &writePlan{schema: t, positions: make([]int, len(assignments)), values: make([]expression, len(assignments))}
	var err error
	for i, assignment := range assignments {
		position, ok := t.columnByName(assignment.Column)
		if !ok {
			return nil, fmt.Errorf("%w: %s.%s", ErrUnknownColumn, t.Name, assignment.Column)
		}
		if plan.values[i], err = c.compile(assignment.Value); err != nil {
			return nil, err
		}
		plan.positions[i] = position
	}
	if plan.conditions, err = m.compileWhere(scope, where); err != nil {
		return nil, err
	}
	if plan.returning, err = m.compileReturning(t, returning); err != nil {
		return nil, err
	}
	plan.parameters = m.s.parametersMax
	m.s.engine.writePlans.remember(stmt, plan)
	return plan, nil
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
		f.row = match.row
		if err := visit(match.key, match.row, f); err != nil {
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
		change.newKey = appendKeyValues(rowKeyBuffer(t.ID), change.newRow, t.primaryKeyPositions())
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

// lockChange takes exclusive row locks on the old and new keys, with the
// old and new images.
func (m dml) lockChange(t *tableSchema, change rowChange) error {
	names := t.columnNames()
	images := make([]rowImage, 0, 2)
	if change.oldRow != nil {
		images = append(images, rowImage{columns: names, values: change.oldRow})
	}
	if change.newRow != nil {
		images = append(images, rowImage{columns: names, values: change.newRow})
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
		prefix := appendKeyValues(entryPrefix(index.ID), change.newRow, positions)
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
			m.s.put(indexEntryKey(t, &t.Indexes[i], change.newKey, change.newRow), change.newKey[rowPrefixLen(t.ID):])
		}
	}
}

// indexEntryKey is the entry of row (stored under rowKey) in index: the
// index values, then the row key's tuple, so entries are unique.
func indexEntryKey(t *tableSchema, index *indexSchema, rowKey []byte, row []Value) []byte {
	key := appendKeyValues(entryPrefix(index.ID), row, t.positions(index.Columns))
	return append(key, rowKey[rowPrefixLen(t.ID):]...)
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
