package parser

import (
	"math"

	"pgregory.net/rapid"
)

// The generators below draw syntax trees from the grammar, bounded by a
// depth, respecting the tree invariants the parser guarantees (a CROSS join
// has no condition, a CASE has a WHEN, parameters use the $N style, ...).

var generatedNames = []string{"a", "b", "t", "col_1", "_x", "key", "nulls", "column", "if",
	"Mixed", "select", "with space", `q"uote`, "9lives", "é", "with", "view", "recursive", "natural"}

func drawName(t *rapid.T, label string) string {
	return rapid.SampledFrom(generatedNames).Draw(t, label)
}

func drawNames(t *rapid.T, label string) []string {
	return rapid.SliceOfN(rapid.SampledFrom(generatedNames), 1, 3).Draw(t, label)
}

func drawTypeName(t *rapid.T) TypeName {
	typeName := TypeName{Name: rapid.SampledFrom([]string{"INT", "TEXT", "DECIMAL", "VARCHAR", "my type", "LEFT"}).Draw(t, "type")}
	count := rapid.IntRange(0, 2).Draw(t, "typeArgumentCount")
	for range count {
		typeName.Arguments = append(typeName.Arguments, rapid.IntRange(0, math.MaxInt32).Draw(t, "typeArgument"))
	}
	return typeName
}

var numberTexts = []string{"0", "42", "1.5", ".5", "7.", "1e10", "2.5E-3", "3e+4", "18446744073709551616"}

func drawLeaf(t *rapid.T) Expr {
	switch rapid.IntRange(0, 7).Draw(t, "leaf") {
	case 0:
		return &NullLiteral{}
	case 1:
		return &BoolLiteral{Value: rapid.Bool().Draw(t, "bool")}
	case 2:
		return &NumberLiteral{Text: rapid.SampledFrom(numberTexts).Draw(t, "number")}
	case 3:
		return &StringLiteral{Value: rapid.String().Draw(t, "string")}
	case 4:
		return &BlobLiteral{Value: rapid.SliceOf(rapid.Byte()).Draw(t, "blob")}
	case 5:
		return &Parameter{Index: rapid.IntRange(1, parameterIndexMax).Draw(t, "parameter")}
	case 6:
		return &ColumnRef{Table: drawName(t, "table"), Column: drawName(t, "column")}
	}
	return &ColumnRef{Column: drawName(t, "column")}
}

var binaryOperators = []BinaryOperator{BinaryOr, BinaryAnd, BinaryEqual, BinaryNotEqual,
	BinaryLess, BinaryLessEqual, BinaryGreater, BinaryGreaterEqual, BinaryConcat,
	BinaryAdd, BinarySubtract, BinaryMultiply, BinaryDivide, BinaryModulo}

func drawExpr(t *rapid.T, depth int) Expr {
	if depth <= 0 || rapid.IntRange(0, 3).Draw(t, "stop") == 0 {
		return drawLeaf(t)
	}
	child := func() Expr { return drawExpr(t, depth-1) }
	negated := func() bool { return rapid.Bool().Draw(t, "not") }
	switch rapid.IntRange(0, 12).Draw(t, "expr") {
	case 0:
		operator := rapid.SampledFrom([]UnaryOperator{UnaryMinus, UnaryPlus, UnaryNot}).Draw(t, "unary")
		return &UnaryExpr{Operator: operator, Operand: child()}
	case 1:
		return &IsNull{Operand: child(), Not: negated()}
	case 2:
		return &IsBool{Operand: child(), Not: negated(), Value: rapid.Bool().Draw(t, "bool")}
	case 3:
		return &Between{Operand: child(), Not: negated(), Low: child(), High: child()}
	case 4:
		list := []Expr{child()}
		for rapid.Bool().Draw(t, "more") {
			list = append(list, child())
		}
		return &InList{Operand: child(), Not: negated(), List: list}
	case 5:
		return &InSubquery{Operand: child(), Not: negated(), Query: drawQuery(t, depth-1)}
	case 6:
		return &Like{Operand: child(), Not: negated(), Pattern: child()}
	case 7:
		if rapid.Bool().Draw(t, "exists") {
			return &Exists{Query: drawQuery(t, depth-1)}
		}
		return &Subquery{Query: drawQuery(t, depth-1)}
	case 8:
		return drawCase(t, depth)
	case 9:
		return &Cast{Operand: child(), Type: drawTypeName(t)}
	case 10:
		return drawFunctionCall(t, depth)
	}
	operator := rapid.SampledFrom(binaryOperators).Draw(t, "binary")
	return &BinaryExpr{Operator: operator, Left: child(), Right: child()}
}

func drawCase(t *rapid.T, depth int) Expr {
	result := &Case{}
	if rapid.Bool().Draw(t, "caseOperand") {
		result.Operand = drawExpr(t, depth-1)
	}
	for count := rapid.IntRange(1, 3).Draw(t, "whens"); count > 0; count-- {
		result.Whens = append(result.Whens, When{Condition: drawExpr(t, depth-1), Result: drawExpr(t, depth-1)})
	}
	if rapid.Bool().Draw(t, "caseElse") {
		result.Else = drawExpr(t, depth-1)
	}
	return result
}

func drawFunctionCall(t *rapid.T, depth int) Expr {
	call := &FunctionCall{Name: rapid.SampledFrom([]string{"COUNT", "SUM", "F", "lower", "LEFT"}).Draw(t, "function")}
	switch rapid.IntRange(0, 3).Draw(t, "arguments") {
	case 0:
		call.Star = true
	case 1:
	default:
		call.Distinct = rapid.Bool().Draw(t, "distinct")
		call.All = !call.Distinct && rapid.Bool().Draw(t, "all")
		for count := rapid.IntRange(1, 3).Draw(t, "argumentCount"); count > 0; count-- {
			call.Arguments = append(call.Arguments, drawExpr(t, depth-1))
		}
	}
	return call
}

func drawOptionalExpr(t *rapid.T, depth int, label string) Expr {
	if rapid.Bool().Draw(t, label) {
		return drawExpr(t, depth)
	}
	return nil
}

func drawAlias(t *rapid.T) string {
	if rapid.Bool().Draw(t, "hasAlias") {
		return drawName(t, "alias")
	}
	return ""
}

func drawSelectItems(t *rapid.T, depth int) []SelectItem {
	var items []SelectItem
	for count := rapid.IntRange(1, 3).Draw(t, "items"); count > 0; count-- {
		switch rapid.IntRange(0, 4).Draw(t, "item") {
		case 0:
			items = append(items, SelectItem{Star: true})
		case 1:
			items = append(items, SelectItem{Star: true, Table: drawName(t, "starTable")})
		default:
			items = append(items, SelectItem{Expr: drawExpr(t, depth), Alias: drawAlias(t)})
		}
	}
	return items
}

func drawTableExpr(t *rapid.T, depth int) TableExpr {
	choice := 0
	if depth > 0 {
		choice = rapid.IntRange(0, 2).Draw(t, "table")
	}
	switch choice {
	case 0:
		return &TableName{Name: drawName(t, "tableName"), Alias: drawAlias(t)}
	case 1:
		return &DerivedTable{Query: drawQuery(t, depth-1), Alias: drawAlias(t)}
	}
	join := &Join{
		Kind:  rapid.SampledFrom([]JoinKind{JoinInner, JoinLeft, JoinRight, JoinFull, JoinCross}).Draw(t, "join"),
		Left:  drawTableExpr(t, depth-1),
		Right: drawTableExpr(t, depth-1),
	}
	join.Natural = join.Kind != JoinCross && rapid.IntRange(0, 3).Draw(t, "natural") == 0
	if join.Kind != JoinCross && !join.Natural {
		if rapid.Bool().Draw(t, "using") {
			join.Using = drawNames(t, "using")
		} else {
			join.On = drawExpr(t, depth-1)
		}
	}
	return join
}

func drawSelect(t *rapid.T, depth int) *Select {
	result := &Select{Distinct: rapid.Bool().Draw(t, "distinct"), Items: drawSelectItems(t, depth)}
	for count := rapid.IntRange(0, 2).Draw(t, "from"); count > 0; count-- {
		result.From = append(result.From, drawTableExpr(t, depth))
	}
	result.Where = drawOptionalExpr(t, depth, "where")
	for count := rapid.IntRange(0, 2).Draw(t, "groupBy"); count > 0; count-- {
		result.GroupBy = append(result.GroupBy, drawExpr(t, depth))
	}
	result.Having = drawOptionalExpr(t, depth, "having")
	return result
}

func drawQuery(t *rapid.T, depth int) *Query {
	result := &Query{Body: drawSelect(t, depth)}
	if depth > 0 {
		for count := rapid.IntRange(0, 2).Draw(t, "with"); count > 0; count-- {
			cte := CommonTableExpr{Name: drawName(t, "cte"), Query: drawQuery(t, depth-1)}
			if rapid.Bool().Draw(t, "cteColumns") {
				cte.Columns = drawNames(t, "cteColumns")
			}
			result.With = append(result.With, cte)
		}
	}
	for count := rapid.IntRange(0, 2).Draw(t, "compounds"); count > 0; count-- {
		result.Body = &SetOperation{
			Operator: rapid.SampledFrom([]SetOperator{SetUnion, SetIntersect, SetExcept}).Draw(t, "setOperator"),
			All:      rapid.Bool().Draw(t, "all"),
			Left:     result.Body,
			Right:    drawSelect(t, depth),
		}
	}
	for count := rapid.IntRange(0, 2).Draw(t, "orderBy"); count > 0; count-- {
		result.OrderBy = append(result.OrderBy, OrderItem{
			Expr:       drawExpr(t, depth),
			Descending: rapid.Bool().Draw(t, "descending"),
			Nulls:      rapid.SampledFrom([]NullsOrder{NullsDefault, NullsFirst, NullsLast}).Draw(t, "nulls"),
		})
	}
	result.Limit = drawOptionalExpr(t, depth, "limit")
	result.Offset = drawOptionalExpr(t, depth, "offset")
	return result
}
