package ispsim

import (
	"regexp"
	"strings"
)

// validator is one entry of a form field's validator list (API.md §3.2.4).
type validator struct {
	kind       string // NOTEMPTY, UNIQUE, REGEX, ISEMAIL, ISEMAILADDRESS, ISDOMAIN, ISINT, ISDATETIME, CUSTOM
	allowEmpty bool
	re         *regexp.Regexp
	check      func(string) bool // REGEX patterns RE2 cannot express (lookaheads)
	custom     string            // class::method for CUSTOM
	key        string
}

// field is one writable form field.
type field struct {
	name       string
	datatype   string // VARCHAR, TEXT, INTEGER, DATE, DATETIME
	formtype   string // TEXT, SELECT, CHECKBOX, PASSWORD, MULTIPLE, CHECKBOXARRAY, TEXTAREA, DATETIME
	unchecked  string // CHECKBOX value stored for '' (e.g. "n")
	encryption string // PASSWORD: CRYPT or CRYPTMAIL
	validators []validator
	filters    []string
}

// form is a tform definition: the fields written by add/update, in form order.
type form struct {
	name   string
	table  string
	fields []field
}

// lookaheads replaces PHP patterns RE2 cannot compile, keyed by error key.
var lookaheads = map[string]func(string) bool{
	"web_folder_error_regex": func(s string) bool {
		if s == "" {
			return true
		}
		if strings.Contains(s, "..") || strings.Contains(s, "./") || strings.Contains(s, "//") || s[0] == '/' {
			return false
		}
		return regexp.MustCompile(`^[^/][\w/_.\-]{1,100}$`).MatchString(s)
	},
	"redirect_error_regex": func(s string) bool {
		if s == "" {
			return true
		}
		if strings.HasPrefix(s, "/") {
			return !strings.Contains(s, "..") && regexp.MustCompile(`^/[\w/_.\-]{1,255}/$`).MatchString(s)
		}
		return regexp.MustCompile(`^(ftp|https?|\[scheme\])://([-\w.]+)+(:\d+)?(/([\w/_.,\-+?~!:%]*(\?\S+)?)?)?(?:#\S*)?$`).MatchString(s)
	},
	"backup_excludes_error_regex": func(s string) bool {
		return !strings.Contains(s, "..") && regexp.MustCompile(`^[-a-zA-Z0-9_/.~,*]*$`).MatchString(s)
	},
}

// phpRegexp compiles a PHP pattern such as /^x$/i or @^x$@ with the s modifier the tform engine adds.
func phpRegexp(p string) (*regexp.Regexp, error) {
	delim := p[:1]
	end := strings.LastIndex(p, delim)
	body, mods := p[1:end], p[end+1:]
	flags := "s"
	if strings.Contains(mods, "i") {
		flags += "i"
	}
	return regexp.Compile("(?" + flags + ")" + body)
}

// parseForms reads formText.
func parseForms() map[string]*form {
	forms := map[string]*form{}
	for _, line := range strings.Split(formText, "\n") {
		name, rest, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		rest = strings.ReplaceAll(rest, `\|`, "\x00")
		cells := strings.Split(rest, "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(strings.ReplaceAll(cells[i], "\x00", "|"))
		}
		// cells[0] is empty (leading pipe).
		f := field{
			name:     strings.Trim(cells[1], "¤"),
			datatype: cells[2],
			formtype: cells[3],
		}
		allowed := cells[5]
		switch f.formtype {
		case "CHECKBOX":
			// "'y' / 'n'" → unchecked is the second value.
			if _, b, ok := strings.Cut(allowed, "/"); ok {
				f.unchecked = strings.Trim(strings.TrimSpace(b), "'")
			}
		case "PASSWORD":
			f.encryption = "CRYPT"
			if strings.Contains(allowed, "CRYPTMAIL") {
				f.encryption = "CRYPTMAIL"
			}
		}
		if cells[8] != "" {
			for _, v := range strings.Split(cells[8], "<br>") {
				f.validators = append(f.validators, parseValidator(strings.TrimSpace(v)))
			}
		}
		if cells[9] != "" {
			for _, flt := range strings.Split(cells[9], ",") {
				f.filters = append(f.filters, strings.TrimSpace(flt))
			}
		}
		fm := forms[name]
		if fm == nil {
			fm = &form{name: name}
			forms[name] = fm
		}
		fm.fields = append(fm.fields, f)
	}
	tables := map[string]string{
		"client": "client", "web_vhost_domain": "web_domain", "web_childdomain": "web_domain",
		"mail_domain": "mail_domain", "mail_user": "mail_user", "mail_alias": "mail_forwarding",
		"mail_forward": "mail_forwarding", "mail_catchall": "mail_forwarding", "mail_aliasdomain": "mail_forwarding",
		"domain": "domain",
	}
	for n, f := range forms {
		f.table = tables[n]
	}
	forms["reseller"] = resellerForm(forms["client"])
	return forms
}

func parseValidator(s string) validator {
	var v validator
	head, key, _ := strings.Cut(s, "→")
	head = strings.TrimSpace(head)
	// The key is the first ¤…¤ after the arrow (custom validators list several; the function decides).
	if parts := strings.Split(key, "¤"); len(parts) > 1 {
		v.key = parts[1]
	}
	v.kind, head, _ = strings.Cut(head, " ")
	if strings.Contains(head, "(empty ok)") {
		v.allowEmpty = true
	}
	switch v.kind {
	case "REGEX":
		pat := strings.TrimSpace(head)
		pat = strings.TrimSuffix(strings.TrimPrefix(pat, "¤"), "¤")
		if chk, ok := lookaheads[v.key]; ok {
			v.check = chk
		} else {
			v.re = regexp.MustCompile(mustPHP(pat))
		}
	case "CUSTOM":
		v.custom = strings.TrimSpace(head)
	}
	return v
}

func mustPHP(p string) string {
	re, err := phpRegexp(p)
	if err != nil {
		panic("ispsim: form regex " + p + ": " + err.Error())
	}
	return re.String()
}

// resellerForm derives reseller.tform.php from client.tform.php (API.md §4.2 client_add step 2): the same fields,
// except that limit_mailmailinglist comes right after limit_maildomain, e-mail addresses are checked strictly (ISEMAIL),
// two error keys differ, limit_client has validate_reseller's check, and the reseller-only fields come last.
func resellerForm(client *form) *form {
	r := &form{name: "reseller", table: "client"}
	var mailinglist field
	for _, f := range client.fields {
		if f.name == "limit_mailmailinglist" {
			mailinglist = f
		}
	}
	for _, f := range client.fields {
		f.validators = append([]validator(nil), f.validators...)
		switch f.name {
		case "email":
			for i := range f.validators {
				if f.validators[i].kind == "ISEMAILADDRESS" {
					f.validators[i].kind = "ISEMAIL"
				}
			}
		case "paypal_email":
			f.validators = []validator{{kind: "ISEMAIL", allowEmpty: true, key: "paypal_email_error_isemail"}}
		case "limit_database_user":
			for i := range f.validators {
				f.validators[i].key = "limit_database_user_error_notint"
			}
		case "limit_client":
			f.validators = append(f.validators, validator{kind: "CUSTOM", custom: "validate_reseller::limit_client",
				key: "limit_client_error_positive_or_unlimited"})
		case "limit_mailmailinglist":
			continue
		}
		r.fields = append(r.fields, f)
		if f.name == "limit_maildomain" {
			r.fields = append(r.fields, mailinglist)
		}
	}
	r.fields = append(r.fields,
		field{name: "customer_no_template", datatype: "VARCHAR", formtype: "TEXT",
			validators: []validator{{kind: "REGEX", re: regexp.MustCompile(`(?s)^[a-zA-Z0-9\-_\[\]]{0,50}$`), key: "customer_no_template_error_regex"}},
			filters:    []string{"STRIPTAGS", "STRIPNL"}},
		field{name: "customer_no_start", datatype: "INTEGER", formtype: "TEXT"},
		field{name: "customer_no_counter", datatype: "INTEGER", formtype: "TEXT"},
		field{name: "limit_domainmodule", datatype: "INTEGER", formtype: "TEXT",
			validators: []validator{{kind: "ISINT", key: "limit_domainmodule_error_notint"}}},
	)
	return r
}
