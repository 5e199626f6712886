package modules

// The uri module, as ansible.builtin.uri: the request is made on the host
// with get_url's client (curl, or GNU wget).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

func uriSpec() Spec {
	return Spec{
		Params: fsCommonParams(map[string]Param{
			"url":                  {Type: "str", Required: true},
			"dest":                 {Type: "path"},
			"url_username":         {Type: "str", Aliases: []string{"user"}},
			"url_password":         {Type: "str", NoLog: true, Aliases: []string{"password"}},
			"body":                 {Type: "raw"},
			"body_format":          {Type: "str", Default: "raw", Choices: []string{"form-urlencoded", "json", "raw", "form-multipart"}},
			"src":                  {Type: "path"},
			"method":               {Type: "str", Default: "GET"},
			"return_content":       {Type: "bool", Default: false},
			"follow_redirects":     {Type: "str", Default: "safe", Choices: []string{"all", "no", "none", "safe", "urllib2", "yes"}},
			"creates":              {Type: "path"},
			"removes":              {Type: "path"},
			"status_code":          {Type: "list", Elements: "int", Default: []any{200}},
			"timeout":              {Type: "int", Default: 30},
			"headers":              {Type: "dict", Default: map[string]any{}},
			"unix_socket":          {Type: "path"},
			"remote_src":           {Type: "bool", Default: false},
			"ca_path":              {Type: "path"},
			"unredirected_headers": {Type: "list", Elements: "str", Default: []any{}},
			"decompress":           {Type: "bool", Default: true},
			"ciphers":              {Type: "list", Elements: "str"},
			"use_netrc":            {Type: "bool", Default: true},
			"force":                {Type: "bool", Default: false},
			"use_proxy":            {Type: "bool", Default: true},
			"validate_certs":       {Type: "bool", Default: true},
			"force_basic_auth":     {Type: "bool", Default: false},
			"client_cert":          {Type: "path"},
			"client_key":           {Type: "path"},
			"http_agent":           {Type: "str", Default: "ansible-httpget"},
			"use_gssapi":           {Type: "bool", Default: false},
		}),
		MutuallyExclusive: [][]string{{"body", "src"}},
	}
}

func init() { Register("uri", uriSpec(), ModuleFunc(runURI)) }

// uriBody encodes the body by body_format and returns it with the
// Content-Type to add when the headers have none.
func uriBody(body any, format string) (*string, string, error) {
	if body == nil && format != "json" {
		return nil, "", nil
	}
	switch format {
	case "json":
		s, ok := body.(string)
		if !ok {
			b, err := json.Marshal(body)
			if err != nil {
				return nil, "", err
			}
			s = pyJSONSpacing(string(b))
		}
		return &s, "application/json", nil
	case "form-urlencoded":
		s, ok := body.(string)
		if !ok {
			v := url.Values{}
			switch x := body.(type) {
			case map[string]any:
				keys := make([]string, 0, len(x))
				for k := range x {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					v.Add(k, pyStr(x[k]))
				}
			case []any:
				for _, e := range x {
					pair, ok := e.([]any)
					if !ok || len(pair) != 2 {
						return nil, "", fmt.Errorf("failed to parse body as form_urlencoded: cannot encode %s", pyRepr(e))
					}
					v.Add(pyStr(pair[0]), pyStr(pair[1]))
				}
			default:
				return nil, "", fmt.Errorf("failed to parse body as form_urlencoded: cannot encode %s", pyRepr(body))
			}
			s = v.Encode()
		}
		return &s, "application/x-www-form-urlencoded", nil
	case "form-multipart":
		return nil, "", fmt.Errorf("omeprov's uri module does not support body_format form-multipart")
	}
	s := pyStr(body)
	return &s, "", nil
}

// pyJSONSpacing turns Go's compact JSON into json.dumps's default
// separators (", " and ": "), outside strings.
func pyJSONSpacing(s string) string {
	var b strings.Builder
	in, esc := false, false
	for _, r := range s {
		b.WriteRune(r)
		switch {
		case in && esc:
			esc = false
		case in && r == '\\':
			esc = true
		case r == '"':
			in = !in
		case !in && (r == ',' || r == ':'):
			b.WriteRune(' ')
		}
	}
	return b.String()
}

func runURI(ctx context.Context, t *Task) (Result, error) {
	fa := fileArgs(t.Args)
	urlStr, _ := fa.str("url")
	method, _ := fa.str("method")
	if method == "" {
		method = "GET"
	}
	method = strings.ToUpper(method)
	if !regexp.MustCompile(`^[A-Z]+$`).MatchString(method) {
		return sysFail("Parameter 'method' needs to be a single word in uppercase, like GET or POST.")
	}
	format, _ := fa.str("body_format")
	if format == "" {
		format = "raw"
	}
	format = strings.ToLower(format)
	if src, ok := fa.str("src"); ok && src != "" {
		return sysFail("omeprov's uri module does not support src")
	}
	if s, ok := fa.str("unix_socket"); ok && s != "" {
		return sysFail("omeprov's uri module does not support unix_socket")
	}
	body, ctype, err := uriBody(t.Args["body"], format)
	if err != nil {
		return Result{"failed": true, "changed": false, "msg": err.Error(), "elapsed": 0}, nil
	}
	codes := map[int]bool{}
	var codeList []any
	for _, c := range fa.list("status_code") {
		var n int
		if _, err := fmt.Sscan(c, &n); err == nil {
			codes[n] = true
			codeList = append(codeList, n)
		}
	}
	if len(codeList) == 0 {
		codes[200], codeList = true, []any{200}
	}
	for _, k := range []string{"creates", "removes"} {
		p, ok := fa.str(k)
		if !ok || p == "" {
			continue
		}
		res, err := t.Exec(ctx, "test -e "+fsShellPath(p))
		if err != nil {
			return nil, fmt.Errorf("uri: %w", err)
		}
		if k == "creates" && res.ExitCode == 0 {
			return Result{"changed": false, "stdout": fmt.Sprintf("skipped, since '%s' exists", p)}, nil
		}
		if k == "removes" && res.ExitCode != 0 {
			return Result{"changed": false, "stdout": fmt.Sprintf("skipped, since '%s' does not exist", p)}, nil
		}
	}
	req, err := httpRequestFrom(t.Args, urlStr)
	if err != nil {
		return Result{"failed": true, "changed": false, "msg": err.Error(), "status": -1, "url": urlStr, "elapsed": 0}, nil
	}
	req.Timeout = fa.integer("timeout", 30)
	req.Method, req.Body = method, body
	if ctype != "" {
		has := false
		for k := range req.Headers {
			has = has || strings.EqualFold(k, "content-type")
		}
		if !has {
			req.Headers["Content-Type"] = ctype
		}
	}
	switch fr, _ := fa.str("follow_redirects"); fr {
	case "all", "yes":
		req.Follow = true
	case "safe", "urllib2", "":
		req.Follow = method == "GET" || method == "HEAD"
	}
	tool, err := httpTool(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("uri: %w", err)
	}
	if tool == "none" {
		return sysFail("uri needs curl or GNU wget on the host")
	}
	// As Ansible, an existing dest file is fetched again only when the
	// resource is newer (If-Modified-Since its mtime; a 304 is then not
	// written). GNU wget cannot send it.
	if dest, ok := fa.str("dest"); ok && dest != "" && tool != "wget" {
		df, err := fsStat(ctx, t, dest)
		if err != nil {
			return nil, fmt.Errorf("uri: %w", err)
		}
		if df.Type == "file" || (df.Type == "link" && df.TargetType == "file") {
			req.IfModified = dest
		}
	}
	start := time.Now()
	resp, err := doHTTP(ctx, t, tool, req)
	if err != nil {
		return nil, fmt.Errorf("uri: %w", err)
	}
	r := Result{}
	for _, h := range resp.Headers {
		k := strings.ToLower(strings.ReplaceAll(h[0], "-", "_"))
		if _, seen := r[k]; seen {
			r[k] = pyStr(r[k]) + ", " + h[1]
			continue
		}
		r[k] = h[1]
	}
	if loc, ok := r["location"].(string); ok {
		if base, err := url.Parse(resp.FinalURL); err == nil {
			if u, err := base.Parse(loc); err == nil {
				r["location"] = u.String()
			}
		}
	}
	size := int64(len(resp.Body))
	if cl := resp.header("Content-Length"); cl != "" {
		fmt.Sscan(cl, &size)
	}
	cookies := map[string]any{}
	var cookieStr []string
	for _, h := range resp.Headers {
		if strings.EqualFold(h[0], "Set-Cookie") {
			kv, _, _ := strings.Cut(h[1], ";")
			if k, v, ok := strings.Cut(kv, "="); ok {
				cookies[strings.TrimSpace(k)] = strings.TrimSpace(v)
				cookieStr = append(cookieStr, strings.TrimSpace(k)+"="+strings.TrimSpace(v))
			}
		}
	}
	r["cookies"], r["cookies_string"] = cookies, strings.Join(cookieStr, "; ")
	r["url"], r["status"], r["redirected"] = resp.FinalURL, resp.Status, resp.FinalURL != urlStr
	r["msg"] = httpInfoMsg(resp, size)
	r["elapsed"] = int(time.Since(start).Seconds())
	r["changed"] = false
	content := string(resp.Body)
	if !utf8.ValidString(content) {
		content = strings.ToValidUTF8(content, "\uFFFD")
	}
	if jsonCandidate(resp.header("Content-Type")) {
		if js, err := jsonDecode(resp.Body); err == nil {
			r["json"] = js
		}
	}
	if dest, ok := fa.str("dest"); ok && dest != "" && resp.Status > 0 {
		df, err := fsStat(ctx, t, dest)
		if err != nil {
			return nil, fmt.Errorf("uri: %w", err)
		}
		if df.Exists && df.IsDir() {
			dest = path.Join(dest, responseFilename(resp, urlStr))
		}
		if codes[resp.Status] && resp.Status != 304 {
			if err := fsWrite(ctx, t, dest, resp.Body, "", 0); err != nil {
				return sysFail("%s", err.Error())
			}
			nf, err := fsStat(ctx, t, dest)
			if err != nil {
				return nil, fmt.Errorf("uri: %w", err)
			}
			if _, err := fsSetAttrs(ctx, t, nf, fsAttrsFrom(t.Args), true, nil); err != nil {
				return sysFail("%s", err.Error())
			}
			r["changed"] = true
		}
		r["path"] = dest
	}
	returnContent := fa.boolean("return_content", false)
	if !codes[resp.Status] {
		r["msg"] = fmt.Sprintf("Status code was %d and not %s: %s", resp.Status, pyRepr(codeList), pyStr(r["msg"]))
		r["failed"] = true
	}
	if returnContent {
		r["content"] = content
	}
	return r, nil
}
