package connection_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/ome/omeprov/connection"
)

func ExampleQuote() {
	pkg := "x; rm -rf /"
	fmt.Println("dpkg-query -W " + connection.Quote(pkg))
	fmt.Println(connection.QuoteAll("apt-get", "install", "-y", "it's"))
	// Output:
	// dpkg-query -W 'x; rm -rf /'
	// apt-get install -y 'it'"'"'s'
}

func ExampleLocal() {
	c := connection.Local()
	defer c.Close()
	res, err := c.Exec(context.Background(), `tr a-z A-Z; echo "$GREETING" >&2; exit 3`, &connection.ExecOptions{
		Stdin: strings.NewReader("hello\n"),
		Env:   map[string]string{"GREETING": "hi there"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q %q %d\n", res.Stdout, res.Stderr, res.ExitCode)
	// Output:
	// "HELLO\n" "hi there\n" 3
}
