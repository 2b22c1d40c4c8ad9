// Command genschema writes the JSON Schema of scenario files (scenarios.GenerateSchema).
//
//	go run ./scenarios/internal/genschema -o scenarios/scenario.schema.json
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/throttlelab/throttlelab/scenarios"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "genschema:", err)
		os.Exit(1)
	}
}

func run() error {
	out := flag.String("o", "scenario.schema.json", "the file to write; - for standard output")
	flag.Parse()
	b, err := scenarios.GenerateSchema()
	if err != nil {
		return fmt.Errorf("generate schema: %w", err)
	}
	if *out == "-" {
		_, err = os.Stdout.Write(b)
		return err
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		return fmt.Errorf("write schema: %w", err)
	}
	return nil
}
