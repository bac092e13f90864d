package parser

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

func drawColumnDefinition(t *rapid.T, depth int) ColumnDefinition {
	return ColumnDefinition{
		Name:        drawName(t, "columnName"),
		Type:        drawTypeName(t),
		Nullability: rapid.SampledFrom([]Nullability{NullabilityUnspecified, NullabilityNull, NullabilityNotNull}).Draw(t, "nullability"),
		Default:     drawOptionalExpr(t, depth, "default"),
		PrimaryKey:  rapid.Bool().Draw(t, "primaryKey"),
		Unique:      rapid.Bool().Draw(t, "unique"),
	}
}

func drawCreateTable(t *rapid.T, depth int) Statement {
	result := &CreateTable{IfNotExists: rapid.Bool().Draw(t, "ifNotExists"), Name: drawName(t, "table")}
	for count := rapid.IntRange(1, 3).Draw(t, "columns"); count > 0; count-- {
		result.Columns = append(result.Columns, drawColumnDefinition(t, depth))
	}
	for count := rapid.IntRange(0, 2).Draw(t, "constraints"); count > 0; count-- {
		kind := rapid.SampledFrom([]ConstraintKind{ConstraintPrimaryKey, ConstraintUnique}).Draw(t, "constraint")
		result.Constraints = append(result.Constraints, TableConstraint{Kind: kind, Columns: drawNames(t, "constraintColumns")})
	}
	return result
}

func drawAlterAction(t *rapid.T, depth int) AlterAction {
	switch rapid.IntRange(0, 3).Draw(t, "alter") {
	case 0:
		return &AddColumn{Column: drawColumnDefinition(t, depth)}
	case 1:
		return &DropColumn{Name: drawName(t, "dropColumn")}
	case 2:
		return &RenameColumn{OldName: drawName(t, "oldName"), NewName: drawName(t, "newName")}
	}
	return &RenameTable{NewName: drawName(t, "newTable")}
}

func drawInsert(t *rapid.T, depth int) Statement {
	result := &Insert{Table: drawName(t, "table")}
	if rapid.Bool().Draw(t, "insertColumns") {
		result.Columns = drawNames(t, "columns")
	}
	switch rapid.IntRange(0, 2).Draw(t, "source") {
	case 0:
		width := rapid.IntRange(1, 3).Draw(t, "width")
		for count := rapid.IntRange(1, 3).Draw(t, "rows"); count > 0; count-- {
			var row []Expr
			for range width {
				if rapid.IntRange(0, 4).Draw(t, "isDefault") == 0 {
					row = append(row, &DefaultValue{})
				} else {
					row = append(row, drawExpr(t, depth))
				}
			}
			result.Rows = append(result.Rows, row)
		}
	case 1:
		result.Query = drawQuery(t, depth)
	default:
		result.Columns = nil
		result.DefaultValues = true
	}
	result.Returning = drawReturning(t, depth)
	return result
}

func drawReturning(t *rapid.T, depth int) []SelectItem {
	if rapid.Bool().Draw(t, "returning") {
		return drawSelectItems(t, depth)
	}
	return nil
}

func drawStatement(t *rapid.T, depth int) Statement {
	switch rapid.IntRange(0, 11).Draw(t, "statement") {
	case 0:
		return drawCreateTable(t, depth)
	case 1:
		return &DropTable{IfExists: rapid.Bool().Draw(t, "ifExists"), Name: drawName(t, "table")}
	case 2:
		index := &CreateIndex{Unique: rapid.Bool().Draw(t, "uniqueIndex"), IfNotExists: rapid.Bool().Draw(t, "ifNotExists"),
			Name: drawName(t, "index"), Table: drawName(t, "table"), Columns: drawNames(t, "indexColumns")}
		if rapid.Bool().Draw(t, "someDescending") {
			index.Descending = make([]bool, len(index.Columns))
			index.Descending[rapid.IntRange(0, len(index.Columns)-1).Draw(t, "descendingColumn")] = true
		}
		return index
	case 3:
		return &DropIndex{IfExists: rapid.Bool().Draw(t, "ifExists"), Name: drawName(t, "index")}
	case 4:
		return &AlterTable{Table: drawName(t, "table"), Action: drawAlterAction(t, depth)}
	case 5:
		return drawInsert(t, depth)
	case 6:
		result := &Update{Table: drawName(t, "table")}
		for count := rapid.IntRange(1, 3).Draw(t, "assignments"); count > 0; count-- {
			result.Assignments = append(result.Assignments, Assignment{Column: drawName(t, "set"), Value: drawExpr(t, depth)})
		}
		result.Where = drawOptionalExpr(t, depth, "where")
		result.Returning = drawReturning(t, depth)
		return result
	case 7:
		return &Delete{Table: drawName(t, "table"), Where: drawOptionalExpr(t, depth, "where"), Returning: drawReturning(t, depth)}
	case 8:
		return &Explain{Statement: drawStatement(t, depth)}
	case 9:
		view := &CreateView{IfNotExists: rapid.Bool().Draw(t, "ifNotExists"), Name: drawName(t, "view"), Query: drawQuery(t, depth)}
		if rapid.Bool().Draw(t, "viewColumns") {
			view.Columns = drawNames(t, "viewColumns")
		}
		return view
	case 10:
		if rapid.Bool().Draw(t, "dropView") {
			return &DropView{IfExists: rapid.Bool().Draw(t, "ifExists"), Name: drawName(t, "view")}
		}
	}
	return drawQuery(t, depth)
}

// TestGeneratedStatementsRoundTrip: any tree the grammar allows prints to
// SQL that parses back to an equal tree.
func TestGeneratedStatementsRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		statement := drawStatement(t, rapid.IntRange(0, 4).Draw(t, "depth"))
		printed := statement.String()
		reparsed, err := Parse(printed)
		if err != nil {
			t.Fatalf("printed statement does not parse: %v\n%s", err, printed)
		}
		if diff := cmp.Diff(statement, reparsed, treeEqual); diff != "" {
			t.Fatalf("round trip changed the tree of %s (-generated +parsed):\n%s", printed, diff)
		}
	})
}

// TestGeneratedExpressionsRoundTrip is the same property for ParseExpr,
// with deeper expressions.
func TestGeneratedExpressionsRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		expr := drawExpr(t, rapid.IntRange(0, 7).Draw(t, "depth"))
		printed := expr.String()
		reparsed, err := ParseExpr(printed)
		if err != nil {
			t.Fatalf("printed expression does not parse: %v\n%s", err, printed)
		}
		if diff := cmp.Diff(expr, reparsed, treeEqual); diff != "" {
			t.Fatalf("round trip changed the tree of %s (-generated +parsed):\n%s", printed, diff)
		}
	})
}
