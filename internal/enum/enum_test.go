package enum

import "testing"

type color uint8

var colorNames = [...]string{1: "red", 3: "blue"}

func TestName(t *testing.T) {
	for k, want := range map[color]string{0: "color(0)", 1: "red", 2: "color(2)", 3: "blue", 4: "color(4)", 255: "color(255)"} {
		if got := Name(k, colorNames[:], "color"); got != want {
			t.Errorf("Name(%d) = %q, want %q", k, got, want)
		}
	}
}
