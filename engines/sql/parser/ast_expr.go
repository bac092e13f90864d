package parser

// Expr is a scalar expression.
type Expr interface {
	Node
	exprNode()
}

// NullLiteral is NULL.
type NullLiteral struct{}

// BoolLiteral is TRUE or FALSE.
type BoolLiteral struct {
	Value bool
}

// NumberLiteral is an unsigned number exactly as written: 42, 1.5, .5, 2e10.
// The parser keeps the text; deciding integer, decimal or double is the
// planner's job. A minus sign is a *UnaryExpr around the literal.
type NumberLiteral struct {
	Text string
}

// StringLiteral is '...', holding the text with quote escapes undone.
type StringLiteral struct {
	Value string
}

// BlobLiteral is X'ABCD', holding the decoded bytes.
type BlobLiteral struct {
	Value []byte
}

// ColumnRef is column or table.column.
type ColumnRef struct {
	Table  string // empty when unqualified
	Column string
}

// Parameter is ? or $N. A ? gets the number one more than the previous ?
// in the statement; one statement uses one of the two styles.
type Parameter struct {
	Index      int  // 1-based
	Positional bool // written as ?
}

// UnaryOperator is a prefix operator, spelled as in SQL.
type UnaryOperator string

const (
	UnaryMinus UnaryOperator = "-"
	UnaryPlus  UnaryOperator = "+"
	UnaryNot   UnaryOperator = "NOT"
)

// UnaryExpr is operator operand.
type UnaryExpr struct {
	Operator UnaryOperator
	Operand  Expr
}

// BinaryOperator is an infix operator, spelled as in SQL (!= is read as <>).
type BinaryOperator string

const (
	BinaryOr           BinaryOperator = "OR"
	BinaryAnd          BinaryOperator = "AND"
	BinaryEqual        BinaryOperator = "="
	BinaryNotEqual     BinaryOperator = "<>"
	BinaryLess         BinaryOperator = "<"
	BinaryLessEqual    BinaryOperator = "<="
	BinaryGreater      BinaryOperator = ">"
	BinaryGreaterEqual BinaryOperator = ">="
	BinaryConcat       BinaryOperator = "||"
	BinaryAdd          BinaryOperator = "+"
	BinarySubtract     BinaryOperator = "-"
	BinaryMultiply     BinaryOperator = "*"
	BinaryDivide       BinaryOperator = "/"
	BinaryModulo       BinaryOperator = "%"
)

// BinaryExpr is left operator right.
type BinaryExpr struct {
	Operator BinaryOperator
	Left     Expr
	Right    Expr
}

// IsNull is operand IS [NOT] NULL.
type IsNull struct {
	Operand Expr
	Not     bool
}

// IsBool is operand IS [NOT] TRUE or operand IS [NOT] FALSE.
type IsBool struct {
	Operand Expr
	Not     bool
	Value   bool
}

// Between is operand [NOT] BETWEEN low AND high.
type Between struct {
	Operand Expr
	Not     bool
	Low     Expr
	High    Expr
}

// InList is operand [NOT] IN (list).
type InList struct {
	Operand Expr
	Not     bool
	List    []Expr // Invariant: at least one element.
}

// InSubquery is operand [NOT] IN (query).
type InSubquery struct {
	Operand Expr
	Not     bool
	Query   *Query
}

// Like is operand [NOT] LIKE pattern.
type Like struct {
	Operand Expr
	Not     bool
	Pattern Expr
}

// Exists is EXISTS (query). NOT EXISTS is a *UnaryExpr around it.
type Exists struct {
	Query *Query
}

// Subquery is a scalar subquery (query).
type Subquery struct {
	Query *Query
}

// Case is CASE [operand] WHEN ... THEN ... [ELSE result] END.
type Case struct {
	Operand Expr // nil for a searched CASE
	Whens   []When
	Else    Expr
}

// When is one WHEN condition THEN result of a CASE.
type When struct {
	Condition Expr
	Result    Expr
}

// Cast is CAST(operand AS type).
type Cast struct {
	Operand Expr
	Type    TypeName
}

// FunctionCall is name(arguments), name(DISTINCT arguments), name(ALL
// arguments) or name(*). Unquoted names are upper case, as in COUNT.
type FunctionCall struct {
	Name      string
	Distinct  bool
	All       bool // ALL written: the default for aggregates, kept to check its use
	Star      bool
	Arguments []Expr
}

// DefaultValue is the DEFAULT keyword in an INSERT VALUES row.
type DefaultValue struct{}

func (*NullLiteral) exprNode()   {}
func (*BoolLiteral) exprNode()   {}
func (*NumberLiteral) exprNode() {}
func (*StringLiteral) exprNode() {}
func (*BlobLiteral) exprNode()   {}
func (*ColumnRef) exprNode()     {}
func (*Parameter) exprNode()     {}
func (*UnaryExpr) exprNode()     {}
func (*BinaryExpr) exprNode()    {}
func (*IsNull) exprNode()        {}
func (*IsBool) exprNode()        {}
func (*Between) exprNode()       {}
func (*InList) exprNode()        {}
func (*InSubquery) exprNode()    {}
func (*Like) exprNode()          {}
func (*Exists) exprNode()        {}
func (*Subquery) exprNode()      {}
func (*Case) exprNode()          {}
func (*Cast) exprNode()          {}
func (*FunctionCall) exprNode()  {}
func (*DefaultValue) exprNode()  {}
