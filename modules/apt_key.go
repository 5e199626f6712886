package modules

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/ome/omeprov/connection"
)

// The apt_key module (ansible.builtin.apt_key, ansible-core 2.14) drives
// apt-key and gpg on the host. Keys named by url are downloaded by the
// controller and handed to apt-key on standard input.

func init() {
	Register("apt_key", aptKeySpec, pkgWithLines(runAptKey))
}

var aptKeySpec = Spec{
	Params: map[string]Param{
		"id":             {Type: "str"},
		"url":            {Type: "str"},
		"data":           {Type: "str"},
		"file":           {Type: "path"},
		"keyring":        {Type: "path"},
		"validate_certs": {Type: "bool", Default: true},
		"keyserver":      {Type: "str"},
		"state":          {Type: "str", Default: "present", Choices: []string{"absent", "present"}},
	},
	CheckMode:         true,
	MutuallyExclusive: [][]string{{"data", "file", "keyserver", "url"}},
}

// aptKeyEnv is lang_env: a parsable locale.
var aptKeyEnv = map[string]string{"LANG": "C", "LC_ALL": "C", "LC_MESSAGES": "C"}

// aptParseKeyID is parse_key_id: the short id (last 8), the fingerprint
// used for comparisons (last 16) and the id as given, upper-cased.
func aptParseKeyID(id string) (short, fingerprint, keyID string, err error) {
	k := strings.ToUpper(strings.TrimSpace(id))
	k = strings.TrimPrefix(k, "0X")
	if k == "" || !regexp.MustCompile(`^[0-9A-F]+$`).MatchString(k) {
		return "", "", "", fmt.Errorf("invalid literal for int() with base 16: %q", id)
	}
	if n := len(k); n != 8 && n != 16 && n <= 16 {
		return "", "", "", fmt.Errorf("key_id must be 8, 16, or 16+ hexadecimal characters in length")
	}
	short = k[len(k)-8:]
	fingerprint = k
	if len(k) > 16 {
		fingerprint = k[len(k)-16:]
	}
	return short, fingerprint, k, nil
}

// aptParseKeys is parse_output_for_keys: key ids of the pub and sub lines
// (apt-key's long listing or gpg --with-colons) that have not expired.
func aptParseKeys(out string, shortFormat bool) []string {
	found := []string{}
	for _, line := range strings.Split(out, "\n") {
		if !(strings.HasPrefix(line, "pub") || strings.HasPrefix(line, "sub")) || strings.Contains(line, "expired") {
			continue
		}
		code := ""
		if tokens := strings.Fields(line); len(tokens) > 1 {
			if _, c, ok := strings.Cut(tokens[1], "/"); ok && strings.Count(tokens[1], "/") == 1 {
				code = c
			}
		}
		if code == "" {
			tokens := strings.Split(line, ":")
			if len(tokens) < 5 {
				continue
			}
			code = tokens[4]
		}
		if shortFormat && len(code) > 8 {
			code = code[len(code)-8:]
		}
		found = append(found, code)
	}
	return found
}

func aptKeyIn(keys []string, k string) bool {
	for _, x := range keys {
		if x == k {
			return true
		}
	}
	return false
}

type aptKeyRunner struct {
	t       *Task
	keyring string
}

func (r *aptKeyRunner) exec(ctx context.Context, cmd string, stdin *string) (aptOut, error) {
	env := map[string]string{}
	for k, v := range r.t.Env {
		env[k] = v
	}
	for k, v := range aptKeyEnv {
		env[k] = v
	}
	opts := &connection.ExecOptions{Become: r.t.Become, Env: env}
	if stdin != nil {
		opts.Stdin = strings.NewReader(*stdin)
	}
	res, err := r.t.Conn.Exec(ctx, cmd, opts)
	if err != nil {
		return aptOut{}, err
	}
	return aptOut{Stdout: string(res.Stdout), Stderr: string(res.Stderr), RC: res.ExitCode}, nil
}

// aptKey is "apt-key [--keyring K]".
func (r *aptKeyRunner) aptKey() string {
	if r.keyring != "" {
		return "apt-key --keyring " + connection.Quote(r.keyring)
	}
	return "apt-key"
}

func (r *aptKeyRunner) list(ctx context.Context, short bool) ([]string, Result, error) {
	cmd := r.aptKey() + " adv --list-public-keys --keyid-format=long"
	out, err := r.exec(ctx, cmd, nil)
	if err != nil {
		return nil, nil, err
	}
	if out.RC != 0 {
		return nil, Result{"failed": true, "msg": "Unable to list public keys", "cmd": cmd, "rc": out.RC, "stdout": out.Stdout, "stderr": out.Stderr}, nil
	}
	return aptParseKeys(out.Stdout, short), nil, nil
}

func runAptKey(ctx context.Context, t *Task) (Result, error) {
	a := t.Args
	keyID := pkgArgStr(a, "id")
	url := pkgArgStr(a, "url")
	data := pkgArgStr(a, "data")
	file := pkgArgStr(a, "file")
	keyserver := pkgArgStr(a, "keyserver")
	state := pkgArgStr(a, "state")
	if state == "" {
		state = "present"
	}
	r := &aptKeyRunner{t: t, keyring: pkgArgStr(a, "keyring")}

	out, err := r.exec(ctx, `for b in apt-key gpg; do command -v $b >/dev/null 2>&1 || { echo "Failed to find required executable \"$b\" in paths: $PATH"; exit 1; }; done`, nil)
	if err != nil {
		return nil, fmt.Errorf("apt_key: %w", err)
	}
	if out.RC != 0 {
		return Failf("%s", strings.TrimSpace(out.Stdout)), nil
	}

	var downloaded *string
	if keyID == "" {
		if keyserver != "" {
			return Failf("Missing key_id, required with keyserver."), nil
		}
		if url != "" {
			b, err := aptFetch(ctx, url)
			if err != nil {
				return Failf("Failed to download key at %s: %s", url, err), nil
			}
			s := string(b)
			downloaded = &s
			data = s
		}
		if file != "" || data != "" {
			cmd := "gpg --with-colons " + QuotePath(file)
			var stdin *string
			from := file
			if file == "" {
				cmd = "gpg --with-colons -"
				stdin = &data
				from = "inline data"
			}
			out, err := r.exec(ctx, cmd, stdin)
			if err != nil {
				return nil, fmt.Errorf("apt_key: %w", err)
			}
			if out.RC != 0 {
				return Result{"failed": true, "msg": fmt.Sprintf("Unable to extract key from '%s'", from), "stdout": out.Stdout, "stderr": out.Stderr}, nil
			}
			if keys := aptParseKeys(out.Stdout, false); len(keys) > 0 {
				keyID = keys[0]
			}
		}
	}

	res := Result{"changed": false, "id": aptKeyNilIfEmpty(keyID)}
	short, fp, full, err := aptParseKeyID(keyID)
	if err != nil {
		res["failed"], res["msg"] = true, "Invalid key_id"
		return res, nil
	}
	keyID = full
	res["short_id"], res["fp"], res["key_id"] = short, fp, full
	shortFormat := len(keyID) == 8

	keys, fail, err := r.list(ctx, shortFormat)
	if err != nil {
		return nil, fmt.Errorf("apt_key: %w", err)
	}
	if fail != nil {
		return fail, nil
	}
	res["before"] = keys
	present := func(keys []string) bool {
		if shortFormat {
			return aptKeyIn(keys, short)
		}
		return aptKeyIn(keys, fp)
	}
	failWith := func(msg string, extra Result) Result {
		out := Result{}
		for k, v := range res {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		out["failed"], out["msg"] = true, msg
		return out
	}

	switch state {
	case "present":
		if present(keys) {
			return res, nil
		}
		res["changed"] = true
		if t.Check {
			return res, nil
		}
		var cmd string
		var stdin *string
		switch {
		case file != "":
			cmd = r.aptKey() + " add " + QuotePath(file)
		case keyserver != "":
			cmd = r.aptKey() + " adv --no-tty --keyserver " + connection.Quote(keyserver) + " --recv " + connection.Quote(keyID)
		case data != "":
			cmd, stdin = r.aptKey()+" add -", &data
		case url != "":
			if downloaded == nil {
				b, err := aptFetch(ctx, url)
				if err != nil {
					return Failf("Failed to download key at %s: %s", url, err), nil
				}
				s := string(b)
				downloaded = &s
			}
			cmd, stdin = r.aptKey()+" add -", downloaded
		default:
			return failWith("No key to add ... how did i get here?!?!", nil), nil
		}
		tries := 1
		if keyserver != "" {
			tries = 5
		}
		var out aptOut
		for i := 0; i < tries; i++ {
			if out, err = r.exec(ctx, cmd, stdin); err != nil {
				return nil, fmt.Errorf("apt_key: %w", err)
			}
			if out.RC == 0 {
				break
			}
		}
		if out.RC != 0 {
			switch {
			case keyserver != "" && out.RC == 2 && strings.Contains(out.Stdout, "not found on keyserver"):
				return Result{"failed": true, "cmd": cmd, "msg": fmt.Sprintf("Key %s not found on keyserver %s", keyID, keyserver)}, nil
			case keyserver != "":
				return Result{"failed": true, "cmd": cmd, "msg": fmt.Sprintf("Error fetching key %s from keyserver: %s", keyID, keyserver), "rc": out.RC, "stdout": out.Stdout, "stderr": out.Stderr}, nil
			case file != "":
				return Result{"failed": true, "msg": "Unable to add a key from file " + file, "cmd": cmd, "rc": out.RC, "keyfile": file, "stdout": out.Stdout, "stderr": out.Stderr}, nil
			default:
				return Result{"failed": true, "msg": "Unable to add a key from binary data", "cmd": cmd, "rc": out.RC, "stdout": out.Stdout, "stderr": out.Stderr}, nil
			}
		}
		after, fail, err := r.list(ctx, shortFormat)
		if err != nil {
			return nil, fmt.Errorf("apt_key: %w", err)
		}
		if fail != nil {
			return fail, nil
		}
		res["after"] = after
		if !present(after) {
			return failWith("apt-key did not return an error, but failed to add the key (check that the id is correct and *not* a subkey)", nil), nil
		}
	case "absent":
		if !aptKeyIn(keys, fp) {
			return res, nil
		}
		res["changed"] = true
		if t.Check {
			return res, nil
		}
		cmd := r.aptKey() + " del " + connection.Quote(short)
		out, err := r.exec(ctx, cmd, nil)
		if err != nil {
			return nil, fmt.Errorf("apt_key: %w", err)
		}
		if out.RC != 0 {
			return Result{"failed": true, "msg": "Unable to remove a key with id " + short, "cmd": cmd, "rc": out.RC, "key_id": short, "stdout": out.Stdout, "stderr": out.Stderr}, nil
		}
		after, fail, err := r.list(ctx, shortFormat)
		if err != nil {
			return nil, fmt.Errorf("apt_key: %w", err)
		}
		if fail != nil {
			return fail, nil
		}
		res["after"] = after
		if aptKeyIn(after, fp) {
			return failWith("apt-key did not return an error, but the key was not removed (check that the id is correct and *not* a subkey)", nil), nil
		}
	}
	return res, nil
}

func aptKeyNilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
