package modules

// The get_url module, as ansible.builtin.get_url, and the HTTP client it
// shares with uri: requests are made on the host (hosts have no Python)
// with curl, or GNU wget when curl is missing, into a temporary file
// beside the destination, then checked and moved into place.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ome/omeprov/connection"
)

func getURLSpec() Spec {
	return Spec{
		Params: fsCommonParams(map[string]Param{
			"url":                  {Type: "str", Required: true},
			"dest":                 {Type: "path", Required: true},
			"backup":               {Type: "bool", Default: false},
			"checksum":             {Type: "str", Default: ""},
			"timeout":              {Type: "int", Default: 10},
			"headers":              {Type: "dict"},
			"tmp_dest":             {Type: "path"},
			"force":                {Type: "bool", Default: false, Aliases: []string{"thirsty"}},
			"use_proxy":            {Type: "bool", Default: true},
			"validate_certs":       {Type: "bool", Default: true},
			"url_username":         {Type: "str", Aliases: []string{"username"}},
			"url_password":         {Type: "str", NoLog: true, Aliases: []string{"password"}},
			"force_basic_auth":     {Type: "bool", Default: false},
			"client_cert":          {Type: "path"},
			"client_key":           {Type: "path"},
			"http_agent":           {Type: "str", Default: "ansible-httpget"},
			"use_gssapi":           {Type: "bool", Default: false},
			"unredirected_headers": {Type: "list", Elements: "str", Default: []any{}},
			"decompress":           {Type: "bool", Default: true},
			"ciphers":              {Type: "list", Elements: "str"},
			"use_netrc":            {Type: "bool", Default: true},
			"sha256sum":            {Type: "str", Default: ""},
		}),
		CheckMode: true,
	}
}

func init() { Register("get_url", getURLSpec(), ModuleFunc(runGetURL)) }

// httpRequest is one request made on the host.
type httpRequest struct {
	URL           string
	Method        string // "" for GET
	Headers       map[string]string
	Body          *string
	Timeout       int
	Follow        bool
	ValidateCerts bool
	User, Pass    string
	HasUser       bool
	ForceBasic    bool
	Agent         string
	IfModified    string // a host path whose mtime goes in If-Modified-Since
	Out           string // a host path for the body; "" to return it
	ClientCert    string
	ClientKey     string
	NoProxy       bool
	NoDecompress  bool
}

// httpResponse is what came back.
type httpResponse struct {
	Status    int // -1 when no response came
	Reason    string
	Headers   [][2]string // the final response's headers, in order
	FinalURL  string
	Redirects int
	Body      []byte
	Err       string // the tool's error when it failed
}

// header returns the first value of the header named name (any case).
func (r *httpResponse) header(name string) string {
	for _, h := range r.Headers {
		if strings.EqualFold(h[0], name) {
			return h[1]
		}
	}
	return ""
}

// httpTool finds curl or wget on the host.
func httpTool(ctx context.Context, t *Task) (string, error) {
	res, err := t.Exec(ctx, `if command -v curl >/dev/null 2>&1; then echo curl; elif wget --version 2>/dev/null | grep -q 'GNU Wget'; then echo wget; else echo none; fi`)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(res.Stdout)), nil
}

// httpCommand builds the shell script that makes the request with tool and
// prints "RC n", "W code redirects url", header lines "H ..." (all
// responses), error lines "E ...", then "BODY" and the body when req.Out
// is empty.
func httpCommand(tool string, req *httpRequest) string {
	var a []string
	out := `"$d/b"`
	if req.Out != "" {
		out = connection.Quote(req.Out)
	}
	names := make([]string, 0, len(req.Headers))
	for k := range req.Headers {
		names = append(names, k)
	}
	sort.Strings(names)
	switch tool {
	case "curl":
		a = append(a, "curl", "-sS", "-g", "--max-time", strconv.Itoa(req.Timeout))
		if req.Method != "" && req.Method != "GET" {
			if req.Method == "HEAD" {
				a = append(a, "-I")
			} else {
				a = append(a, "-X", connection.Quote(req.Method))
			}
		}
		if req.Follow {
			a = append(a, "-L")
		}
		if !req.ValidateCerts {
			a = append(a, "-k")
		}
		if req.HasUser {
			a = append(a, "--basic", "-u", connection.Quote(req.User+":"+req.Pass))
		}
		if req.Agent != "" {
			a = append(a, "-A", connection.Quote(req.Agent))
		}
		if req.NoProxy {
			a = append(a, "--noproxy", "'*'")
		}
		if !req.NoDecompress {
			a = append(a, "--compressed")
		}
		if req.ClientCert != "" {
			a = append(a, "--cert", connection.Quote(req.ClientCert))
		}
		if req.ClientKey != "" {
			a = append(a, "--key", connection.Quote(req.ClientKey))
		}
		for _, k := range names {
			a = append(a, "-H", connection.Quote(k+": "+req.Headers[k]))
		}
		if req.Body != nil {
			a = append(a, "--data-binary", "@-")
		}
		if req.IfModified != "" {
			a = append(a, "-z", connection.Quote(req.IfModified))
		}
		a = append(a, "-D", `"$d/h"`, "-o", out, "-w", `'%{http_code} %{num_redirects} %{url_effective}'`, "--", connection.Quote(req.URL))
		return `d=$(mktemp -d) || exit 1; trap 'rm -rf "$d"' EXIT; : > "$d/h"
` + strings.Join(a, " ") + ` > "$d/w" 2> "$d/e"; rc=$?
printf 'RC %s\nW ' "$rc"; cat "$d/w"; echo; sed 's/^/H /' "$d/h"; sed 's/^/E /' "$d/e"
` + bodyTail(req)
	default: // GNU wget
		a = append(a, "wget", "-q", "-S", "-O", out, "--timeout="+strconv.Itoa(req.Timeout), "--content-on-error")
		if req.Method != "" && req.Method != "GET" {
			a = append(a, "--method="+connection.Quote(req.Method))
		}
		if !req.Follow {
			a = append(a, "--max-redirect=0")
		}
		if !req.ValidateCerts {
			a = append(a, "--no-check-certificate")
		}
		if req.HasUser {
			a = append(a, "--auth-no-challenge", "--user="+connection.Quote(req.User), "--password="+connection.Quote(req.Pass))
		}
		if req.Agent != "" {
			a = append(a, "--user-agent="+connection.Quote(req.Agent))
		}
		if req.NoProxy {
			a = append(a, "--no-proxy")
		}
		for _, k := range names {
			a = append(a, "--header="+connection.Quote(k+": "+req.Headers[k]))
		}
		pre := ""
		if req.Body != nil {
			// wget wants a file it can size, not a pipe.
			pre = `cat > "$d/in"` + "\n"
			a = append(a, `--body-file="$d/in"`)
		}
		a = append(a, "--", connection.Quote(req.URL))
		return `d=$(mktemp -d) || exit 1; trap 'rm -rf "$d"' EXIT
` + pre + strings.Join(a, " ") + ` 2> "$d/e"; rc=$?
printf 'RC %s\nW - 0 -\n' "$rc"; sed -n 's/^  //p' "$d/e" | sed 's/^/H /'; grep -v '^  ' "$d/e" | sed 's/^/E /'
` + bodyTail(req)
	}
}

func bodyTail(req *httpRequest) string {
	if req.Out != "" {
		return ""
	}
	return `echo BODY; cat "$d/b" 2>/dev/null; true`
}

// parseHTTPOutput reads httpCommand's output.
func parseHTTPOutput(out []byte, requested string) *httpResponse {
	r := &httpResponse{Status: -1, FinalURL: requested}
	text := string(out)
	if i := strings.Index(text, "\nBODY\n"); i >= 0 {
		r.Body = out[i+len("\nBODY\n"):]
		text = text[:i+1]
	}
	rc := 0
	var errs []string
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimRight(l, "\r")
		tag, rest, _ := strings.Cut(l, " ")
		switch tag {
		case "RC":
			rc, _ = strconv.Atoi(rest)
		case "W":
			f := strings.SplitN(rest, " ", 3)
			if len(f) == 3 {
				if n, err := strconv.Atoi(f[0]); err == nil && n > 0 {
					r.Status = n
				}
				r.Redirects, _ = strconv.Atoi(f[1])
				if f[2] != "-" && f[2] != "" {
					r.FinalURL = withoutUserinfo(f[2], requested)
				}
			}
		case "H":
			if strings.HasPrefix(rest, "HTTP/") {
				r.Headers = nil
				f := strings.SplitN(rest, " ", 3)
				if len(f) >= 2 {
					if n, err := strconv.Atoi(f[1]); err == nil {
						r.Status = n
					}
				}
				r.Reason = ""
				if len(f) == 3 {
					r.Reason = strings.TrimSpace(f[2])
				}
				continue
			}
			if k, v, ok := strings.Cut(rest, ":"); ok && k != "" && !strings.ContainsAny(k, " \t") {
				r.Headers = append(r.Headers, [2]string{k, strings.TrimSpace(v)})
			}
		case "E":
			if strings.TrimSpace(rest) != "" {
				errs = append(errs, strings.TrimSpace(rest))
			}
		}
	}
	if r.Reason == "" && r.Status > 0 {
		r.Reason = httpReason(r.Status)
	}
	if rc != 0 && r.Status <= 0 {
		r.Status = -1
		r.Err = strings.Join(errs, "; ")
		if r.Err == "" {
			r.Err = fmt.Sprintf("exit status %d", rc)
		}
	}
	return r
}

// httpReason is the standard reason phrase (HTTP/2 responses carry none).
func httpReason(code int) string {
	return map[int]string{200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 301: "Moved Permanently",
		302: "Found", 303: "See Other", 304: "Not Modified", 307: "Temporary Redirect", 308: "Permanent Redirect",
		400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
		409: "Conflict", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}[code]
}

// withoutUserinfo is final (the URL a request ended at, as curl prints
// it) without the user name and password curl puts in it when -u gave
// them and requested had none: Ansible's url is the URL it fetched, and
// the password must not be printed.
func withoutUserinfo(final, requested string) string {
	ru, err := url.Parse(requested)
	if err != nil || ru.User != nil {
		return final
	}
	fu, err := url.Parse(final)
	if err != nil || fu.User == nil {
		return final
	}
	fu.User = nil
	return fu.String()
}

// sha1Empty is the SHA-1 of no bytes: Ansible's checksum_src in check mode.
const sha1Empty = "da39a3ee5e6b4b0d3255bfef95601890afd80709"

// doHTTP makes the request on the host.
func doHTTP(ctx context.Context, t *Task, tool string, req *httpRequest) (*httpResponse, error) {
	cmd := httpCommand(tool, req)
	var res *connection.Result
	var err error
	if req.Body != nil {
		res, err = t.ExecStdin(ctx, cmd, *req.Body)
	} else {
		res, err = t.Exec(ctx, cmd)
	}
	if err != nil {
		return nil, err
	}
	return parseHTTPOutput(res.Stdout, req.URL), nil
}

// httpInfoMsg is fetch_url's info["msg"] for a response.
func httpInfoMsg(r *httpResponse, size int64) string {
	if r.Status < 0 {
		return "Request failed: " + r.Err
	}
	if r.Status >= 400 {
		return fmt.Sprintf("HTTP Error %d: %s", r.Status, r.Reason)
	}
	if size < 0 {
		return "OK (unknown bytes)"
	}
	return fmt.Sprintf("OK (%d bytes)", size)
}

// getURLChecksum splits "algo:value" as get_url does.
func getURLChecksum(s string) (algo, sum string, err error) {
	if s == "" {
		return "", "", nil
	}
	algo, sum, ok := strings.Cut(s, ":")
	if !ok {
		return "", "", fmt.Errorf("The checksum parameter has to be in format <algorithm>:<checksum>")
	}
	algo = strings.ToLower(algo)
	switch algo {
	case "md5", "sha1", "sha224", "sha256", "sha384", "sha512":
	default:
		return "", "", fmt.Errorf("Could not hash file '%s' with algorithm '%s'. Available algorithms: md5, sha1, sha224, sha256, sha384, sha512", "checksum", algo)
	}
	if strings.Contains(sum, "://") {
		return "", "", fmt.Errorf("omeprov's get_url does not support checksum URLs (%s)", sum)
	}
	sum = strings.ToLower(strings.TrimSpace(sum))
	if !regexp.MustCompile(`^[0-9a-f]+$`).MatchString(sum) {
		return "", "", fmt.Errorf("The checksum format is invalid")
	}
	return algo, sum, nil
}

// hostDigest returns the algo digest of file p on the host ("" when it is
// not a readable file).
func hostDigest(ctx context.Context, t *Task, algo, p string) (string, error) {
	n := strings.TrimPrefix(algo, "sha")
	cmd := `p=` + fsShellPath(p) + `; [ -f "$p" ] && [ -r "$p" ] || exit 0
if command -v ` + algo + `sum >/dev/null 2>&1; then ` + algo + `sum < "$p"
elif [ ` + connection.Quote(algo) + ` = md5 ] && command -v md5 >/dev/null 2>&1; then md5 -q < "$p"
elif command -v shasum >/dev/null 2>&1 && [ ` + connection.Quote(algo) + ` != md5 ]; then shasum -a ` + n + ` < "$p"
else openssl dgst -` + algo + ` -r < "$p"; fi`
	res, err := t.Exec(ctx, cmd)
	if err != nil {
		return "", err
	}
	if res.ExitCode != 0 {
		return "", fmt.Errorf("%s of %s: %s", algo, p, strings.TrimSpace(string(res.Stderr)))
	}
	f := strings.Fields(string(res.Stdout))
	if len(f) == 0 {
		return "", nil
	}
	return f[0], nil
}

// responseFilename is get_url's filename for a destination directory:
// Content-Disposition's filename, else the URL path's last part, else
// index.html.
func responseFilename(r *httpResponse, rawURL string) string {
	if cd := r.header("Content-Disposition"); cd != "" {
		if m := regexp.MustCompile(`filename\s*=\s*"?([^";]+)"?`).FindStringSubmatch(cd); m != nil {
			if b := path.Base(m[1]); b != "/" && b != "." && b != ".." {
				return b
			}
		}
	}
	u, err := url.Parse(r.FinalURL)
	if err != nil || r.FinalURL == "" {
		u, _ = url.Parse(rawURL)
	}
	if u != nil {
		if b := path.Base(u.Path); b != "" && b != "/" && b != "." {
			return b
		}
	}
	return "index.html"
}

func httpRequestFrom(args map[string]any, urlStr string) (*httpRequest, error) {
	fa := fileArgs(args)
	req := &httpRequest{URL: urlStr, Timeout: fa.integer("timeout", 10), ValidateCerts: fa.boolean("validate_certs", true),
		ForceBasic: fa.boolean("force_basic_auth", false), NoProxy: !fa.boolean("use_proxy", true),
		NoDecompress: !fa.boolean("decompress", true), Headers: map[string]string{}}
	req.Agent, _ = fa.str("http_agent")
	req.ClientCert, _ = fa.str("client_cert")
	req.ClientKey, _ = fa.str("client_key")
	if u, ok := fa.str("url_username"); ok && u != "" {
		req.User, req.HasUser = u, true
		req.Pass, _ = fa.str("url_password")
	}
	if h, ok := args["headers"].(map[string]any); ok {
		for k, v := range h {
			req.Headers[k] = pyStr(v)
		}
	}
	u, err := url.Parse(urlStr)
	if err != nil || u.Scheme == "" {
		return nil, fmt.Errorf("unknown url type: %s", urlStr)
	}
	switch u.Scheme {
	case "http", "https", "ftp", "file":
	default:
		return nil, fmt.Errorf("unknown url type: %s", u.Scheme)
	}
	if u.User != nil && !req.HasUser {
		req.User, req.HasUser = u.User.Username(), true
		req.Pass, _ = u.User.Password()
	}
	return req, nil
}

func runGetURL(ctx context.Context, t *Task) (Result, error) {
	fa := fileArgs(t.Args)
	urlStr, _ := fa.str("url")
	dest, _ := fa.str("dest")
	dest = fsCleanPath(dest)
	force := fa.boolean("force", false)
	cs, _ := fa.str("checksum")
	if s, _ := fa.str("sha256sum"); s != "" && cs == "" {
		cs = "sha256:" + s
	}
	algo, sum, err := getURLChecksum(cs)
	if err != nil {
		return sysFail("%s", err.Error())
	}
	req, err := httpRequestFrom(t.Args, urlStr)
	if err != nil {
		return Result{"failed": true, "changed": false, "msg": err.Error(), "url": urlStr, "dest": dest, "status_code": -1, "elapsed": 0}, nil
	}
	req.Follow = true
	start := time.Now()
	elapsed := func() int { return int(time.Since(start).Seconds()) }
	df, err := fsStat(ctx, t, dest)
	if err != nil {
		return nil, fmt.Errorf("get_url: %w", err)
	}
	destIsDir := df.Exists && df.IsDir()
	attrs := fsAttrsFrom(t.Args)
	if df.Exists && !destIsDir {
		mismatch := false
		if !force && algo != "" {
			have, err := hostDigest(ctx, t, algo, dest)
			if err != nil {
				return nil, fmt.Errorf("get_url: %w", err)
			}
			mismatch = have != sum
		}
		if !force && algo != "" && !mismatch {
			changed, err := fsSetAttrs(ctx, t, df, attrs, true, nil)
			if err != nil {
				return sysFail("%s", err.Error())
			}
			r := Result{"changed": changed, "dest": dest, "url": urlStr, "msg": "file already exists"}
			if changed {
				r["msg"] = "file already exists but file attributes changed"
			}
			fsAddPathInfo(ctx, t, r, dest)
			return r, nil
		}
		if !mismatch && !force {
			req.IfModified = dest
		}
	}
	tool, err := httpTool(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("get_url: %w", err)
	}
	if tool == "none" {
		return sysFail("get_url needs curl or GNU wget on the host")
	}
	if tool == "wget" {
		req.IfModified = ""
	}
	tmpDir := path.Dir(dest)
	if destIsDir {
		tmpDir = dest
	}
	if td, ok := fa.str("tmp_dest"); ok && td != "" {
		tmpDir = td
	}
	res, err := t.Exec(ctx, "mktemp "+connection.Quote(tmpDir+"/.omeprov-get_url.XXXXXXXX"))
	if err != nil {
		return nil, fmt.Errorf("get_url: %w", err)
	}
	if res.ExitCode != 0 {
		return sysFail("Destination %s does not exist", tmpDir)
	}
	tmp := strings.TrimSpace(string(res.Stdout))
	removeTmp := func() { t.Exec(ctx, "rm -f -- "+connection.Quote(tmp)) }
	req.Out = tmp
	if t.Check && !strings.HasPrefix(urlStr, "file:") {
		// As Ansible: check mode makes a HEAD request.
		req.Method = "HEAD"
	}
	resp, err := doHTTP(ctx, t, tool, req)
	if err != nil {
		removeTmp()
		return nil, fmt.Errorf("get_url: %w", err)
	}
	if resp.Status == 304 {
		removeTmp()
		return Result{"changed": false, "url": urlStr, "dest": dest, "msg": "HTTP Error 304: Not Modified", "status_code": 304, "elapsed": elapsed()}, nil
	}
	if resp.Status != 200 && !(resp.Status == -1 && strings.HasPrefix(urlStr, "file:")) {
		removeTmp()
		return Result{"failed": true, "changed": false, "msg": "Request failed", "status_code": resp.Status, "response": httpInfoMsg(resp, -1),
			"url": urlStr, "dest": dest, "elapsed": elapsed()}, nil
	}
	if destIsDir {
		dest = path.Join(dest, responseFilename(resp, urlStr))
		// As Ansible, the named file is then compared by checksum.
		if df, err = fsStat(ctx, t, dest); err != nil {
			removeTmp()
			return nil, fmt.Errorf("get_url: %w", err)
		}
	}
	// In check mode, as Ansible's (documented: "the changed status will
	// reflect comparison to an empty source file"), the source is empty:
	// an existing dest is reported changed unless it is empty.
	srcSum := sha1Empty
	if !t.Check {
		if srcSum, err = fsChecksum(ctx, t, tmp); err != nil {
			removeTmp()
			return nil, fmt.Errorf("get_url: %w", err)
		}
	}
	destSum := ""
	if df.Exists {
		if destSum, err = fsChecksum(ctx, t, dest); err != nil {
			removeTmp()
			return nil, fmt.Errorf("get_url: %w", err)
		}
	}
	// As Ansible, check mode ends before the checksum is verified (its
	// check mode makes a HEAD request: there is nothing to verify), so a
	// wrong checksum reports a change there and fails only for real.
	// Ansible moves the download into place before it verifies it, and
	// removes dest when the checksum does not match: the failure is
	// changed when the download differed from dest, and dest is gone.
	if algo != "" && !t.Check {
		got, err := hostDigest(ctx, t, algo, tmp)
		if err != nil {
			removeTmp()
			return nil, fmt.Errorf("get_url: %w", err)
		}
		if got != sum {
			removeTmp()
			if df.Exists {
				if res, err := t.Exec(ctx, "rm -f -- "+fsShellPath(dest)); err != nil {
					return nil, fmt.Errorf("get_url: %w", err)
				} else if res.ExitCode != 0 {
					return sysFail("failed to remove %s: %s", dest, strings.TrimSpace(string(res.Stderr)))
				}
			}
			return Result{"failed": true, "changed": srcSum != destSum, "url": urlStr, "dest": dest,
				"msg": fmt.Sprintf("The checksum for %s did not match %s; it was %s.", dest, sum, got)}, nil
		}
	}
	tf, err := fsStat(ctx, t, tmp)
	if err != nil {
		removeTmp()
		return nil, fmt.Errorf("get_url: %w", err)
	}
	r := Result{"url": urlStr, "dest": dest, "src": tmp, "checksum_src": srcSum, "elapsed": elapsed(),
		"status_code": resp.Status, "msg": httpInfoMsg(resp, tf.Size)}
	if destSum != "" {
		r["checksum_dest"] = destSum
	} else {
		r["checksum_dest"] = nil
	}
	changed := srcSum != destSum
	if t.Check {
		removeTmp()
		r["changed"] = changed
		return r, nil
	}
	if changed {
		if fa.boolean("backup", false) && df.Exists {
			b, err := fsBackup(ctx, t, dest)
			if err != nil {
				removeTmp()
				return sysFail("%s", err.Error())
			}
			r["backup_file"] = b
		}
		// The new file takes the old one's owner and mode, or the
		// default mode for new files, as atomic_move gives it.
		var keep string
		if df.Exists {
			keep = fmt.Sprintf("chown %d:%d %s 2>/dev/null; chmod %04o %s && ", df.Uid, df.Gid, connection.Quote(tmp), df.Mode, connection.Quote(tmp))
		} else {
			keep = fmt.Sprintf("chmod %04o %s && ", 0o666&^tf.Umask, connection.Quote(tmp))
		}
		res, err := t.Exec(ctx, keep+"mv -f -- "+connection.Quote(tmp)+" "+fsShellPath(dest))
		if err != nil {
			removeTmp()
			return nil, fmt.Errorf("get_url: %w", err)
		}
		if res.ExitCode != 0 {
			removeTmp()
			return sysFail("failed to copy %s to %s: %s", tmp, dest, strings.TrimSpace(string(res.Stderr)))
		}
	} else {
		removeTmp()
	}
	nf, err := fsStat(ctx, t, dest)
	if err != nil {
		return nil, fmt.Errorf("get_url: %w", err)
	}
	achanged, err := fsSetAttrs(ctx, t, nf, attrs, true, nil)
	if err != nil {
		return sysFail("%s", err.Error())
	}
	r["changed"] = changed || achanged
	if md5, err := hostDigest(ctx, t, "md5", dest); err == nil && md5 != "" {
		r["md5sum"] = md5
	}
	fsAddPathInfo(ctx, t, r, dest)
	return r, nil
}

// jsonCandidate tells whether a content type's subtype is JSON, as uri's
// JSON_CANDIDATES.
func jsonCandidate(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	_, sub, _ := strings.Cut(strings.TrimSpace(mt), "/")
	if _, suffix, ok := strings.Cut(sub, "+"); ok {
		sub = suffix
	}
	switch strings.ToLower(sub) {
	case "json", "javascript":
		return true
	}
	return false
}

// jsonDecode decodes b as JSON, keeping numbers as Python's json does
// (int when integral).
func jsonDecode(b []byte) (any, error) {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return jsonNumbers(v), nil
}

func jsonNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return int(n)
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = jsonNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = jsonNumbers(e)
		}
	}
	return v
}
