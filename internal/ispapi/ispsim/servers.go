package ispsim

import (
	"strings"
)

// defaultServerConfig is server.config of server 1: the install-default server.ini values a portal reads
// (API.md §4.8), abridged.
const defaultServerConfig = `[global]
webserver=apache
mailserver=postfix
dnsserver=mydns

[server]
auto_network_configuration=n
ip_address=192.0.2.10
netmask=255.255.255.0
v6_prefix=
gateway=192.0.2.1
hostname=server1.example.com
nameservers=192.0.2.53
firewall=bastille
loglevel=2
admin_notify_events=1
backup_dir=/var/backup
backup_tmp=/tmp
backup_dir_is_mount=n
backup_mode=rootgz
backup_time=0:00
backup_delete=n
monit_url=
munin_url=
log_retention=10

[mail]
module=postfix_mysql
maildir_path=/var/vmail/[domain]/[localpart]
homedir_path=/var/vmail
maildir_format=maildir
dkim_path=/var/lib/amavis/dkim
dkim_strength=2048
content_filter=amavis
rspamd_password=
pop3_imap_daemon=dovecot
mail_filter_syntax=sieve
mailuser_uid=5000
mailuser_gid=5000
mailuser_name=vmail
mailuser_group=vmail
mailbox_virtual_uidgid_maps=n
relayhost=
relayhost_user=
relayhost_password=
mailbox_size_limit=0
message_size_limit=0
mailbox_quota_stats=y
realtime_blackhole_list=
overquota_notify_threshold=90
overquota_notify_admin=y
overquota_notify_client=y
overquota_notify_freq=7
overquota_notify_onok=n
sendmail_path=/usr/sbin/sendmail

[getmail]
getmail_config_dir=/etc/getmail

[web]
server_type=apache
website_basedir=/var/www
website_path=/var/www/clients/client[client_id]/web[website_id]
website_symlinks=/var/www/[website_domain]/:/var/www/clients/client[client_id]/[website_domain]/
website_symlinks_rel=n
network_filesystem=n
vhost_rewrite_v6=n
vhost_conf_dir=/etc/apache2/sites-available
vhost_conf_enabled_dir=/etc/apache2/sites-enabled
nginx_vhost_conf_dir=/etc/nginx/sites-available
nginx_vhost_conf_enabled_dir=/etc/nginx/sites-enabled
security_level=20
user=www-data
group=www-data
nginx_user=www-data
nginx_group=www-data
apps_vhost_port=8081
apps_vhost_ip=_default_
apps_vhost_servername=
php_open_basedir=[website_path]/web:[website_path]/private:[website_path]/tmp:/var/www/[website_domain]/web:/srv/www/[website_domain]/web:/usr/share/php5:/usr/share/php:/tmp:/usr/share/phpmyadmin:/etc/phpmyadmin:/var/lib/phpmyadmin:/dev/random:/dev/urandom
htaccess_allow_override=All
awstats_conf_dir=/etc/awstats
awstats_data_dir=/var/lib/awstats
awstats_pl=/usr/lib/cgi-bin/awstats.pl
awstats_buildstaticpages_pl=/usr/share/awstats/tools/awstats_buildstaticpages.pl
php_ini_path_apache=/etc/php/8.2/apache2/php.ini
php_ini_path_cgi=/etc/php/8.2/cgi/php.ini
check_apache_config=y
enable_sni=y
enable_ip_wildcard=y
overtraffic_notify_admin=y
overtraffic_notify_client=y
overquota_notify_threshold=90
overquota_db_notify_threshold=90

[dns]
bind_user=root
bind_group=bind
bind_zonefiles_dir=/etc/bind
named_conf_path=/etc/bind/named.conf
named_conf_local_path=/etc/bind/named.conf.local
disable_bind_log=n

[fastcgi]
fastcgi_starter_path=/var/www/php-fcgi-scripts/[system_user]/
fastcgi_starter_script=.php-fcgi-starter
fastcgi_alias=/php/
fastcgi_phpini_path=/etc/php/8.2/cgi/
fastcgi_children=8
fastcgi_max_requests=5000
fastcgi_bin=/usr/bin/php-cgi
fastcgi_config_syntax=2

[jailkit]
jailkit_chroot_home=/home/[username]
jailkit_chroot_app_sections=basicshell editors extendedshell netutils ssh sftp scp groups jk_lsh
jailkit_chroot_app_programs=/usr/bin/groups /usr/bin/id /usr/bin/dircolors /usr/bin/lesspipe /usr/bin/basename /usr/bin/dirname /usr/bin/nano /usr/bin/pico /usr/bin/mysql /usr/bin/mysqldump /usr/bin/git /usr/bin/git-receive-pack /usr/bin/git-upload-pack /usr/bin/unzip /usr/bin/zip /bin/tar /bin/rm /usr/bin/patch /usr/bin/which /usr/lib/x86_64-linux-gnu/libmemcached.so.11 /usr/lib/x86_64-linux-gnu/libmemcachedutil.so.2 /usr/lib/x86_64-linux-gnu/libMagickWand-6.Q16.so.6 /opt/php-5.6.8/bin/php /opt/php-5.6.8/include /opt/php-5.6.8/lib
jailkit_chroot_cron_programs=/usr/bin/php /usr/bin/perl /usr/share/perl /usr/share/php

[vlogger]
config_dir=/etc

[cron]
init_script=cron
crontab_dir=/etc/cron.d
wget=/usr/bin/wget

[rescue]
try_rescue=n
do_not_try_rescue_httpd=n
do_not_try_rescue_mongodb=n
do_not_try_rescue_mysql=n
do_not_try_rescue_mail=n

[xmpp]
xmpp_daemon=metronome
xmpp_use_ipv6=n
xmpp_bosh_max_inactivity=30
xmpp_port_http=5290
xmpp_port_https=5291
xmpp_port_pastebin=5292
xmpp_port_bosh=5280
`

// iniSection is one parsed INI section with its key order.
type iniSection struct {
	name string
	keys []string
	vals map[string]string
}

func parseINI(text string) []iniSection {
	var out []iniSection
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, ";") || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			out = append(out, iniSection{name: line[1 : len(line)-1], vals: map[string]string{}})
		case len(out) > 0:
			k, v, _ := strings.Cut(line, "=")
			k = strings.TrimSpace(k)
			sec := &out[len(out)-1]
			if _, dup := sec.vals[k]; !dup {
				sec.keys = append(sec.keys, k)
			}
			sec.vals[k] = strings.TrimSpace(v)
		}
	}
	return out
}

// serverConfig returns the parsed configuration of a server as section → key → value.
func (s *Sim) serverConfig(id int64) map[string]map[string]string {
	out := map[string]map[string]string{}
	t := s.tables["server"]
	if r := t.get(id); r != nil {
		for _, sec := range parseINI(t.val(r, "config").s) {
			out[sec.name] = sec.vals
		}
	}
	return out
}

// serverConfigValue renders a server's configuration as server_get returns it: the whole config, or one section
// (null for an unknown section).
func (s *Sim) serverConfigValue(r row, section string) any {
	secs := parseINI(s.tables["server"].val(r, "config").s)
	render := func(sec iniSection) *object {
		o := &object{}
		for _, k := range sec.keys {
			o.add(k, sec.vals[k])
		}
		return o
	}
	if section != "" {
		for _, sec := range secs {
			if sec.name == section {
				return render(sec)
			}
		}
		return nil
	}
	o := &object{}
	for _, sec := range secs {
		o.add(sec.name, render(sec))
	}
	return o
}

func registerServers() {
	register("server_get", "server_get", []string{"session_id", "server_id", "section"}, func(c *callCtx) (any, error) {
		t := c.s.tables["server"]
		section := phpString(c.arg("section"), ",")
		if !phpEmpty(c.arg("server_id")) {
			r := t.get(intval(c.arg("server_id")))
			if r == nil {
				if section != "" {
					return nil, nil
				}
				return []any{}, nil
			}
			return c.s.serverConfigValue(r, section), nil
		}
		o := &object{}
		for _, r := range t.rows {
			o.add(r[0].s, c.s.serverConfigValue(r, section))
		}
		return o, nil
	})
	register("server_get_all", "server_get", []string{"session_id"}, func(c *callCtx) (any, error) {
		t := c.s.tables["server"]
		out := []any{}
		for _, r := range t.rows {
			out = append(out, (&object{}).add("server_id", r[0]).add("server_name", t.val(r, "server_name")))
		}
		return out, nil
	})
	register("server_get_serverid_by_ip", "server_get_serverid_by_ip", []string{"session_id", "ipaddress"}, func(c *callCtx) (any, error) {
		t := c.s.tables["server_ip"]
		ip := phpString(c.arg("ipaddress"), ",")
		for _, r := range t.rows {
			if t.val(r, "ip_address").s == ip {
				return (&object{}).add("server_id", t.val(r, "server_id")), nil
			}
		}
		return nil, nil
	})
	register("server_get_serverid_by_name", "server_get", []string{"session_id", "server_name"}, func(c *callCtx) (any, error) {
		if phpEmpty(c.arg("server_name")) {
			return false, nil
		}
		t := c.s.tables["server"]
		for _, r := range t.rows {
			if strings.EqualFold(t.val(r, "server_name").s, phpString(c.arg("server_name"), ",")) {
				return (&object{}).add("server_id", r[0]), nil
			}
		}
		return nil, nil
	})
	register("server_get_functions", "server_get", []string{"session_id", "server_id"}, func(c *callCtx) (any, error) {
		t := c.s.tables["server"]
		r := t.get(intval(c.arg("server_id")))
		if r == nil {
			return nil, nil
		}
		o := &object{}
		for _, k := range []string{"mail_server", "web_server", "dns_server", "file_server", "db_server",
			"vserver_server", "proxy_server", "firewall_server", "mirror_server_id"} {
			o.add(k, t.val(r, k))
		}
		return o, nil
	})
	register("server_get_app_version", "server_get", []string{"session_id", "server_id"}, func(c *callCtx) (any, error) {
		return (&object{}).add("ispc_app_version", "3.2dev"), nil
	})
}
