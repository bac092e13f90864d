package parser

// Node is any piece of the syntax tree. String prints it as canonical SQL
// that parses back to an equal tree.
type Node interface {
	String() string
}

// Statement is one SQL statement.
type Statement interface {
	Node
	statementNode()
}

// CreateTable is CREATE TABLE [IF NOT EXISTS] name (columns, constraints).
type CreateTable struct {
	IfNotExists bool
	Name        string
	Columns     []ColumnDefinition // Invariant: at least one column.
	Constraints []TableConstraint
}

// ColumnDefinition is a column of CREATE TABLE or ALTER TABLE ADD COLUMN.
type ColumnDefinition struct {
	Name        string
	Type        TypeName
	Nullability Nullability
	Default     Expr // nil when there is no DEFAULT clause
	PrimaryKey  bool
	Unique      bool
}

// Nullability says whether a column was declared NULL, NOT NULL or neither.
type Nullability int

const (
	NullabilityUnspecified Nullability = iota
	NullabilityNull
	NullabilityNotNull
)

// TypeName is a type as written: an upper-case name with optional integer
// arguments, as in VARCHAR(20) or DECIMAL(10, 2). The parser does not check
// that the name is a known type; that is the planner's job.
type TypeName struct {
	Name      string
	Arguments []int // nil when written without parentheses
}

// TableConstraint is PRIMARY KEY (columns) or UNIQUE (columns) after the
// column definitions.
type TableConstraint struct {
	Kind    ConstraintKind
	Columns []string // Invariant: at least one column.
}

// ConstraintKind is the kind of a table constraint.
type ConstraintKind int

const (
	ConstraintPrimaryKey ConstraintKind = iota
	ConstraintUnique
)

// DropTable is DROP TABLE [IF EXISTS] name.
type DropTable struct {
	IfExists bool
	Name     string
}

// CreateIndex is CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table (columns).
type CreateIndex struct {
	Unique      bool
	IfNotExists bool
	Name        string
	Table       string
	Columns     []string // Invariant: at least one column.
	// Descending is nil when every column is ascending (ASC is the
	// default), else one flag per column.
	Descending []bool
}

// CreateView is CREATE VIEW [IF NOT EXISTS] name [(columns)] AS query.
type CreateView struct {
	IfNotExists bool
	Name        string
	Columns     []string // nil: the query's own column names
	Query       *Query
}

// DropView is DROP VIEW [IF EXISTS] name.
type DropView struct {
	IfExists bool
	Name     string
}

// DropIndex is DROP INDEX [IF EXISTS] name.
type DropIndex struct {
	IfExists bool
	Name     string
}

// AlterTable is ALTER TABLE name followed by one action.
type AlterTable struct {
	Table  string
	Action AlterAction
}

// AlterAction is what an ALTER TABLE does: *AddColumn, *DropColumn,
// *RenameColumn or *RenameTable.
type AlterAction interface {
	Node
	alterActionNode()
}

// AddColumn is ADD COLUMN definition.
type AddColumn struct {
	Column ColumnDefinition
}

// DropColumn is DROP COLUMN name.
type DropColumn struct {
	Name string
}

// RenameColumn is RENAME COLUMN old TO new.
type RenameColumn struct {
	OldName string
	NewName string
}

// RenameTable is RENAME TO new.
type RenameTable struct {
	NewName string
}

// Insert is INSERT INTO table [(columns)] followed by exactly one source:
// VALUES rows, a query, or DEFAULT VALUES.
type Insert struct {
	Table         string
	Columns       []string
	Rows          [][]Expr // VALUES; elements may be *DefaultValue
	Query         *Query   // INSERT ... SELECT
	DefaultValues bool
	Returning     []SelectItem
}

// Update is UPDATE table SET assignments [WHERE condition] [RETURNING items].
type Update struct {
	Table       string
	Assignments []Assignment // Invariant: at least one assignment.
	Where       Expr
	Returning   []SelectItem
}

// Assignment is column = value in UPDATE.
type Assignment struct {
	Column string
	Value  Expr
}

// Delete is DELETE FROM table [WHERE condition] [RETURNING items].
type Delete struct {
	Table     string
	Where     Expr
	Returning []SelectItem
}

// Explain is EXPLAIN statement.
type Explain struct {
	Statement Statement
}

// Query is a SELECT or a compound of SELECTs, with the ORDER BY, LIMIT and
// OFFSET that apply to the whole of it.
type Query struct {
	With    []CommonTableExpr // WITH name [(columns)] AS (query), ...
	Body    QueryBody
	OrderBy []OrderItem
	Limit   Expr
	Offset  Expr
}

// CommonTableExpr is one name [(columns)] AS (query) of WITH.
type CommonTableExpr struct {
	Name    string
	Columns []string // nil: the query's own column names
	Query   *Query
}

// QueryBody is *Select or *SetOperation.
type QueryBody interface {
	Node
	queryBodyNode()
}

// Select is one SELECT ... FROM ... WHERE ... GROUP BY ... HAVING.
type Select struct {
	Distinct bool
	Items    []SelectItem // Invariant: at least one item.
	From     []TableExpr  // comma-separated; nil without FROM
	Where    Expr
	GroupBy  []Expr
	Having   Expr
}

// SetOperation is Left UNION [ALL] | INTERSECT | EXCEPT Right. Compounds
// associate to the left, so Right is always a *Select.
type SetOperation struct {
	Operator SetOperator
	All      bool
	Left     QueryBody
	Right    *Select
}

// SetOperator is UNION, INTERSECT or EXCEPT.
type SetOperator string

const (
	SetUnion     SetOperator = "UNION"
	SetIntersect SetOperator = "INTERSECT"
	SetExcept    SetOperator = "EXCEPT"
)

// SelectItem is one result column: *, table.*, or an expression with an
// optional alias. It is also an item of RETURNING.
type SelectItem struct {
	Star  bool   // * or table.*
	Table string // the table of table.*; empty for a bare *
	Expr  Expr   // nil when Star
	Alias string
}

// OrderItem is expression [ASC | DESC] [NULLS FIRST | NULLS LAST].
type OrderItem struct {
	Expr       Expr
	Descending bool
	Nulls      NullsOrder
}

// NullsOrder is where NULLs sort when written explicitly.
type NullsOrder int

const (
	NullsDefault NullsOrder = iota
	NullsFirst
	NullsLast
)

// TableExpr is an item of FROM: *TableName, *DerivedTable or *Join.
type TableExpr interface {
	Node
	tableExprNode()
}

// TableName is a table with an optional alias.
type TableName struct {
	Name  string
	Alias string
}

// DerivedTable is (query) [AS] alias in FROM.
type DerivedTable struct {
	Query *Query
	Alias string
}

// Join is Left [NATURAL] kind JOIN Right [ON condition | USING (columns)].
// CROSS and NATURAL joins have neither; the other kinds have exactly one.
type Join struct {
	Natural bool
	Kind    JoinKind
	Left    TableExpr
	Right   TableExpr
	On      Expr
	Using   []string
}

// JoinKind is the kind of a join.
type JoinKind int

const (
	JoinInner JoinKind = iota
	JoinLeft
	JoinRight
	JoinFull
	JoinCross
)

func (*CreateTable) statementNode() {}
func (*DropTable) statementNode()   {}
func (*CreateIndex) statementNode() {}
func (*DropIndex) statementNode()   {}
func (*CreateView) statementNode()  {}
func (*DropView) statementNode()    {}
func (*AlterTable) statementNode()  {}
func (*Insert) statementNode()      {}
func (*Update) statementNode()      {}
func (*Delete) statementNode()      {}
func (*Explain) statementNode()     {}
func (*Query) statementNode()       {}

func (*AddColumn) alterActionNode()    {}
func (*DropColumn) alterActionNode()   {}
func (*RenameColumn) alterActionNode() {}
func (*RenameTable) alterActionNode()  {}

func (*Select) queryBodyNode()       {}
func (*SetOperation) queryBodyNode() {}

func (*TableName) tableExprNode()    {}
func (*DerivedTable) tableExprNode() {}
func (*Join) tableExprNode()         {}
