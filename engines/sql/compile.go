package sql

import (
	"fmt"
	"slices"

	"github.com/proven2pc/proven/engines/sql/parser"
)

// Compiling is where a statement is validated: every name resolves, every
// function exists and gets the number and kind of arguments it takes, and
// aggregates appear only where they are allowed, whether or not a row is
// ever read. Constant parts are folded (when they evaluate without error;
// an error stays for the rows that reach it).

// planScope is what names mean at plan time: the columns of one level of
// a query, in the layout its rows have at run time, and the scopes of the
// queries around it. A compiled column reference is a depth (0 for this
// level) and a position.
type planScope struct {
	columns []scopeColumn
	parent  *planScope
	// correlation, when set, marks the top scope of a subquery: every
	// reference that resolves above it is recorded there.
	correlation *correlation
}

type scopeColumn struct {
	table string // the table name or alias; "" for a computed column
	name  string
	// hidden columns (the right copy of a USING or NATURAL column) answer
	// only qualified references and are left out of *.
	hidden bool
	// merged, when > 0, is 1 + the position of the other copy of a USING
	// column whose value may be NULL here (RIGHT and FULL joins): an
	// unqualified reference reads COALESCE of both.
	merged int
}

// correlation collects the outer references of a subquery: columns of
// enclosing queries, as seen from the frame the subquery is evaluated
// in (depth 0 is that frame).
type correlation struct{ references []outerReference }

type outerReference struct{ depth, position int }

func (c *correlation) add(reference outerReference) {
	if !slices.Contains(c.references, reference) {
		c.references = append(c.references, reference)
	}
}

// resolved is where a column reference points.
type resolved struct {
	depth, position int
	merged          int // see scopeColumn.merged
}

// resolve finds a column, innermost scope first.
func (sc *planScope) resolve(ref *parser.ColumnRef) (resolved, error) {
	depth := 0
	for current := sc; current != nil; current = current.parent {
		r, found, err := current.find(ref)
		if err != nil {
			return resolved{}, err
		}
		if found {
			r.depth = depth
			sc.noteOuter(r)
			return r, nil
		}
		depth++
	}
	return resolved{}, fmt.Errorf("%w: %s", ErrUnknownColumn, ref)
}

func (sc *planScope) find(ref *parser.ColumnRef) (resolved, bool, error) {
	found := -1
	for position, c := range sc.columns {
		if c.name != ref.Column || ref.Table != "" && c.table != ref.Table || ref.Table == "" && c.hidden {
			continue
		}
		if found >= 0 {
			return resolved{}, false, fmt.Errorf("%w: %s", ErrAmbiguousColumn, ref)
		}
		found = position
	}
	if found < 0 {
		return resolved{}, false, nil
	}
	r := resolved{position: found}
	if ref.Table == "" {
		r.merged = sc.columns[found].merged
	}
	return r, true, nil
}

// noteOuter records a reference in every subquery boundary it crosses.
func (sc *planScope) noteOuter(r resolved) {
	current := sc
	for level := 0; level < r.depth; level++ {
		if current.correlation != nil {
			current.correlation.add(outerReference{depth: r.depth - level - 1, position: r.position})
			if r.merged > 0 {
				current.correlation.add(outerReference{depth: r.depth - level - 1, position: r.merged - 1})
			}
		}
		current = current.parent
	}
}

// compiler compiles the expressions of one clause against a scope.
type compiler struct {
	s     *session
	scope *planScope
	ctes  *cteScope
	// aggregates collects the aggregate calls of an aggregating SELECT in
	// the clauses that allow them; nil elsewhere, and then clause names
	// the place for the error.
	aggregates      *aggregateSet
	clause          string
	insideAggregate bool
}

// compileAll compiles a list of expressions.
func (c *compiler) compileAll(exprs []parser.Expr) ([]expression, error) {
	out := make([]expression, len(exprs))
	for i, e := range exprs {
		compiled, err := c.compile(e)
		if err != nil {
			return nil, err
		}
		out[i] = compiled
	}
	return out, nil
}

func (c *compiler) compile(e parser.Expr) (expression, error) {
	switch e := e.(type) {
	case *parser.NullLiteral:
		return &constantExpr{Null()}, nil
	case *parser.BoolLiteral:
		return &constantExpr{Bool(e.Value)}, nil
	case *parser.NumberLiteral:
		v, err := numberLiteral(e.Text)
		return &constantExpr{v}, err
	case *parser.StringLiteral:
		return &constantExpr{Text(e.Value)}, nil
	case *parser.BlobLiteral:
		return &constantExpr{Blob(e.Value)}, nil
	case *parser.ColumnRef:
		return c.column(e)
	case *parser.Parameter:
		if _, err := c.s.argument(e.Index); err != nil {
			return nil, err
		}
		c.s.parametersMax = max(c.s.parametersMax, e.Index)
		return &paramExpr{index: e.Index}, nil
	case *parser.UnaryExpr:
		operand, err := c.compile(e.Operand)
		return c.fold(&unaryExpr{operator: e.Operator, operand: operand}), err
	case *parser.BinaryExpr:
		return c.binary(e)
	case *parser.IsNull:
		operand, err := c.compile(e.Operand)
		return c.fold(&isNullExpr{operand: operand, not: e.Not}), err
	case *parser.IsBool:
		operand, err := c.compile(e.Operand)
		return c.fold(&isBoolExpr{operand: operand, not: e.Not, value: e.Value}), err
	case *parser.Between:
		operands, err := c.compileAll([]parser.Expr{e.Operand, e.Low, e.High})
		if err != nil {
			return nil, err
		}
		return c.fold(&betweenExpr{operand: operands[0], low: operands[1], high: operands[2], not: e.Not}), nil
	case *parser.InList:
		operands, err := c.compileAll(append([]parser.Expr{e.Operand}, e.List...))
		if err != nil {
			return nil, err
		}
		return c.fold(&inListExpr{operand: operands[0], list: operands[1:], not: e.Not}), nil
	case *parser.Like:
		return c.like(e)
	case *parser.Case:
		return c.caseExpression(e)
	case *parser.Cast:
		target, err := resolveType(e.Type)
		if err != nil {
			return nil, err
		}
		operand, err := c.compile(e.Operand)
		return c.fold(&castExpr{operand: operand, target: target}), err
	case *parser.FunctionCall:
		return c.function(e)
	case *parser.InSubquery:
		return c.inSubquery(e)
	case *parser.Exists:
		return c.exists(e)
	case *parser.Subquery:
		return c.scalarSubquery(e)
	case *parser.DefaultValue:
		return nil, fmt.Errorf("%w: DEFAULT is only allowed in INSERT VALUES", ErrInvalid)
	}
	return nil, fmt.Errorf("%w: unsupported expression %s", ErrInvalid, e)
}

// fold replaces an operator whose operands are all constants by its
// value, unless evaluating it fails (the error then waits for a row).
func (c *compiler) fold(e expression) expression {
	constant := true
	e.each(func(operand expression) { constant = constant && isConstant(operand) })
	if !constant {
		return e
	}
	v, err := e.eval(c.s, nil)
	if err != nil {
		return e
	}
	return &constantExpr{v}
}

func (c *compiler) column(ref *parser.ColumnRef) (expression, error) {
	r, err := c.scope.resolve(ref)
	if err != nil {
		return nil, err
	}
	if r.merged > 0 {
		return &coalesceExpr{operands: []expression{columnAt(r.depth, r.position), columnAt(r.depth, r.merged-1)}}, nil
	}
	return columnAt(r.depth, r.position), nil
}

func columnAt(depth, position int) expression {
	if depth == 0 {
		return &columnExpr{position: position}
	}
	return &outerColumnExpr{depth: depth, position: position}
}

func (c *compiler) binary(e *parser.BinaryExpr) (expression, error) {
	left, err := c.compile(e.Left)
	if err != nil {
		return nil, err
	}
	right, err := c.compile(e.Right)
	if err != nil {
		return nil, err
	}
	if e.Operator == parser.BinaryAnd || e.Operator == parser.BinaryOr {
		return c.fold(&logicExpr{and: e.Operator == parser.BinaryAnd, left: left, right: right}), nil
	}
	return c.fold(&binaryExpr{operator: e.Operator, comparison: isComparison(e.Operator), left: left, right: right}), nil
}

func (c *compiler) like(e *parser.Like) (expression, error) {
	operands, err := c.compileAll([]parser.Expr{e.Operand, e.Pattern})
	if err != nil {
		return nil, err
	}
	like := &likeExpr{operand: operands[0], pattern: operands[1], not: e.Not}
	if pattern, ok := operands[1].(*constantExpr); ok && pattern.value.typ == TypeText {
		like.constant = []rune(pattern.value.text)
	}
	return c.fold(like), nil
}

func (c *compiler) caseExpression(e *parser.Case) (expression, error) {
	out := &caseExpr{}
	var err error
	if e.Operand != nil {
		if out.operand, err = c.compile(e.Operand); err != nil {
			return nil, err
		}
	}
	for _, when := range e.Whens {
		operands, err := c.compileAll([]parser.Expr{when.Condition, when.Result})
		if err != nil {
			return nil, err
		}
		out.whens = append(out.whens, whenExpr{condition: operands[0], result: operands[1]})
	}
	if e.Else != nil {
		if out.otherwise, err = c.compile(e.Else); err != nil {
			return nil, err
		}
	}
	return c.fold(out), nil
}

func (c *compiler) function(call *parser.FunctionCall) (expression, error) {
	if isAggregate(call) {
		return c.aggregate(call)
	}
	if call.Star || call.Distinct || call.All {
		return nil, fmt.Errorf("%w: %s does not take *, DISTINCT or ALL", ErrInvalid, call.Name)
	}
	arguments, err := c.compileAll(call.Arguments)
	if err != nil {
		return nil, err
	}
	if call.Name == "COALESCE" {
		if len(arguments) == 0 {
			return nil, fmt.Errorf("%w: COALESCE takes at least 1 argument", ErrInvalid)
		}
		return c.fold(&coalesceExpr{operands: arguments}), nil
	}
	function, known := scalarFunctions[call.Name]
	if !known {
		return nil, fmt.Errorf("%w: %s", ErrUnknownFunction, call.Name)
	}
	if len(arguments) < function.argumentsMin || function.argumentsMax >= 0 && len(arguments) > function.argumentsMax {
		return nil, arityError(call.Name, len(arguments), function.argumentsMin, function.argumentsMax)
	}
	out := &functionExpr{name: call.Name, function: function, arguments: arguments}
	if function.volatile {
		c.s.volatileCompiled++
		return out, nil
	}
	if function.ofStatement {
		return out, nil
	}
	return c.fold(out), nil
}

func arityError(name string, got, low, high int) error {
	switch {
	case high < 0:
		return fmt.Errorf("%w: %s takes at least %d arguments, got %d", ErrInvalid, name, low, got)
	case low == high:
		return fmt.Errorf("%w: %s takes %d arguments, got %d", ErrInvalid, name, low, got)
	}
	return fmt.Errorf("%w: %s takes %d to %d arguments, got %d", ErrInvalid, name, low, high, got)
}

// aggregate compiles an aggregate call into a reference to its slot in
// the grouped row; equal calls share a slot.
func (c *compiler) aggregate(call *parser.FunctionCall) (expression, error) {
	if c.aggregates == nil {
		return nil, fmt.Errorf("%w: aggregate %s is not allowed in %s", ErrInvalid, call.Name, c.clause)
	}
	if c.insideAggregate {
		return nil, fmt.Errorf("%w: aggregate %s inside another aggregate", ErrInvalid, call.Name)
	}
	switch {
	case call.Star && call.Name != "COUNT":
		return nil, fmt.Errorf("%w: %s(*)", ErrInvalid, call.Name)
	case call.Star && (call.Distinct || len(call.Arguments) > 0):
		return nil, fmt.Errorf("%w: COUNT(*) takes nothing else", ErrInvalid)
	case !call.Star && len(call.Arguments) != 1:
		return nil, arityError(call.Name, len(call.Arguments), 1, 1)
	}
	inner := *c
	inner.insideAggregate = true
	spec := &aggregateCall{name: call.Name, distinct: call.Distinct, star: call.Star, key: call.String()}
	if !call.Star {
		argument, err := inner.compile(call.Arguments[0])
		if err != nil {
			return nil, err
		}
		spec.argument = argument
	}
	return &columnExpr{position: c.aggregates.slot(spec)}, nil
}

// containsAggregate looks for an aggregate call outside subqueries.
func containsAggregate(e parser.Expr) bool {
	found := false
	walkExpr(e, func(node parser.Expr) bool {
		if call, ok := node.(*parser.FunctionCall); ok && isAggregate(call) {
			found = true
		}
		return !found
	})
	return found
}

// conjuncts splits a condition on top-level ANDs.
func conjuncts(e parser.Expr) []parser.Expr {
	if e == nil {
		return nil
	}
	if and, ok := e.(*parser.BinaryExpr); ok && and.Operator == parser.BinaryAnd {
		return append(conjuncts(and.Left), conjuncts(and.Right)...)
	}
	return []parser.Expr{e}
}

// walkExpr visits e and its children, not descending into subqueries,
// while visit returns true.
func walkExpr(e parser.Expr, visit func(parser.Expr) bool) {
	if e == nil || !visit(e) {
		return
	}
	var children []parser.Expr
	switch e := e.(type) {
	case *parser.UnaryExpr:
		children = []parser.Expr{e.Operand}
	case *parser.BinaryExpr:
		children = []parser.Expr{e.Left, e.Right}
	case *parser.IsNull:
		children = []parser.Expr{e.Operand}
	case *parser.IsBool:
		children = []parser.Expr{e.Operand}
	case *parser.Between:
		children = []parser.Expr{e.Operand, e.Low, e.High}
	case *parser.InList:
		children = append([]parser.Expr{e.Operand}, e.List...)
	case *parser.InSubquery:
		children = []parser.Expr{e.Operand}
	case *parser.Like:
		children = []parser.Expr{e.Operand, e.Pattern}
	case *parser.Case:
		children = []parser.Expr{e.Operand, e.Else}
		for _, when := range e.Whens {
			children = append(children, when.Condition, when.Result)
		}
	case *parser.Cast:
		children = []parser.Expr{e.Operand}
	case *parser.FunctionCall:
		children = e.Arguments
	}
	for _, child := range children {
		walkExpr(child, visit)
	}
}

// depthZeroPositions calls visit for every position of the expression's
// own row it reads, through correlated subqueries too.
func depthZeroPositions(e expression, visit func(position int)) {
	switch e := e.(type) {
	case *columnExpr:
		visit(e.position)
	case subqueryExpression:
		for _, reference := range e.correlated().references {
			if reference.depth == 0 {
				visit(reference.position)
			}
		}
	}
	e.each(func(operand expression) { depthZeroPositions(operand, visit) })
}
