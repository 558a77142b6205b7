package ispsim

// formText holds the writable fields of each simulated form, one markdown table row per field, as API.md §4 lists
// them ("¤" stands for a backtick). Columns: form, field, type, formtype, required, allowed, stored if omitted, UI default,
// validators, SAVE filters.
const formText = `
client	| ¤company_name¤ | VARCHAR | TEXT | no |  | '' |  |  | STRIPTAGS, STRIPNL |
client	| ¤gender¤ | VARCHAR | SELECT | no | '', ¤m¤, ¤f¤ | '' |  |  |  |
client	| ¤contact_firstname¤ | VARCHAR | TEXT | no |  | '' |  |  | TRIM, STRIPTAGS, STRIPNL |
client	| ¤contact_name¤ | VARCHAR | TEXT | **yes** |  | '' |  | NOTEMPTY → ¤contact_error_empty¤ | TRIM, STRIPTAGS, STRIPNL |
client	| ¤customer_no¤ | VARCHAR | TEXT | no |  | '' |  | UNIQUE (empty ok) → ¤customer_no_error_unique¤ | STRIPTAGS, STRIPNL |
client	| ¤username¤ | VARCHAR | TEXT | **yes** |  | '' |  | NOTEMPTY → ¤username_error_empty¤<br>CUSTOM validate_client::username_unique → ¤username_error_unique¤<br>CUSTOM validate_client::username_collision → ¤username_error_collision¤<br>REGEX ¤/^[\w\.\-\_]{0,64}$/¤ → ¤username_error_regex¤ |  |
client	| ¤password¤ | VARCHAR | PASSWORD | no | plain text in; stored hashed (CRYPT) | (column skipped → DB default) |  | CUSTOM validate_password::password_check → ¤weak_password_txt¤ |  |
client	| ¤language¤ | VARCHAR | SELECT | no | ¤de¤, ¤fi¤, ¤ca¤, ¤en¤, ¤id¤, ¤hr¤, ¤nl¤, ¤hu¤, ¤tr¤, ¤pl¤, ¤cz¤, ¤dk¤, ¤sk¤, ¤pt¤, ¤fr¤, ¤es¤, ¤ru¤, ¤ar¤, ¤ro¤, ¤el¤, ¤ja¤, ¤br¤, ¤se¤, ¤it¤, ¤bg¤ | '' | ¤en¤ |  |  |
client	| ¤usertheme¤ | VARCHAR | SELECT | no | ¤default¤ | '' | ¤default¤ |  |  |
client	| ¤street¤ | VARCHAR | TEXT | no |  | '' |  |  | STRIPTAGS, STRIPNL |
client	| ¤zip¤ | VARCHAR | TEXT | no |  | '' |  |  | STRIPTAGS, STRIPNL |
client	| ¤city¤ | VARCHAR | TEXT | no |  | '' |  |  | STRIPTAGS, STRIPNL |
client	| ¤state¤ | VARCHAR | TEXT | no |  | '' |  |  | STRIPTAGS, STRIPNL |
client	| ¤country¤ | VARCHAR | SELECT | no |  | '' | ¤EN¤ |  |  |
client	| ¤telephone¤ | VARCHAR | TEXT | no |  | '' |  |  | STRIPTAGS, STRIPNL |
client	| ¤mobile¤ | VARCHAR | TEXT | no |  | '' |  |  | STRIPTAGS, STRIPNL |
client	| ¤fax¤ | VARCHAR | TEXT | no |  | '' |  |  | STRIPTAGS, STRIPNL |
client	| ¤email¤ | VARCHAR | TEXT | **yes** |  | '' |  | ISEMAILADDRESS → ¤email_error_isemail¤<br>NOTEMPTY → ¤email_error_empty¤ | IDNTOASCII, TOLOWER |
client	| ¤internet¤ | VARCHAR | TEXT | no |  | '' | ¤https://¤ |  | STRIPTAGS, STRIPNL |
client	| ¤icq¤ | VARCHAR | TEXT | no |  | '' |  |  | STRIPTAGS, STRIPNL |
client	| ¤vat_id¤ | VARCHAR | TEXT | no |  | '' |  | CUSTOM validate_client::check_vat_id → ¤invalid_vat_id¤ | TRIM, TOUPPER, NOWHITESPACE, STRIPTAGS, STRIPNL |
client	| ¤company_id¤ | VARCHAR | TEXT | no |  | '' |  |  | STRIPTAGS, STRIPNL |
client	| ¤bank_account_owner¤ | VARCHAR | TEXT | no |  | '' |  |  | STRIPTAGS, STRIPNL |
client	| ¤bank_account_number¤ | VARCHAR | TEXT | no |  | '' |  |  | STRIPTAGS, STRIPNL |
client	| ¤bank_code¤ | VARCHAR | TEXT | no |  | '' |  |  | STRIPTAGS, STRIPNL |
client	| ¤bank_name¤ | VARCHAR | TEXT | no |  | '' |  |  | STRIPTAGS, STRIPNL |
client	| ¤bank_account_iban¤ | VARCHAR | TEXT | no |  | '' |  |  | TRIM, TOUPPER, NOWHITESPACE, STRIPTAGS, STRIPNL |
client	| ¤bank_account_swift¤ | VARCHAR | TEXT | no |  | '' |  |  | TRIM, TOUPPER, NOWHITESPACE, STRIPTAGS, STRIPNL |
client	| ¤notes¤ | TEXT | TEXTAREA | no |  | '' |  |  | STRIPTAGS |
client	| ¤paypal_email¤ | VARCHAR | TEXT | no |  | '' |  | ISEMAILADDRESS (empty ok) → ¤email_error_isemail¤ | IDNTOASCII, TOLOWER |
client	| ¤locked¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
client	| ¤canceled¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
client	| ¤added_date¤ | DATE | TEXT | no | ¤Y-m-d¤ or empty | NULL | ¤today¤ |  |  |
client	| ¤added_by¤ | VARCHAR | TEXT | no |  | '' | ¤current user¤ |  | STRIPTAGS, STRIPNL |
client	| ¤template_master¤ | INTEGER | SELECT | no |  | 0 | ¤1¤ |  |  |
client	| ¤template_additional¤ | VARCHAR | TEXT | no |  | '' |  |  |  |
client	| ¤default_mailserver¤ | INTEGER | SELECT | no |  | 0 | ¤1¤ |  |  |
client	| ¤mail_servers¤ | VARCHAR | MULTIPLE | no | string joined by ¤,¤ (or JSON array) | '' | ¤1¤ | CUSTOM validate_client::check_used_servers → ¤mail_servers_used¤ |  |
client	| ¤limit_maildomain¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_maildomain_error_notint¤ |  |
client	| ¤limit_mailbox¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_mailbox_error_notint¤ |  |
client	| ¤limit_mailalias¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_mailalias_error_notint¤ |  |
client	| ¤limit_mailaliasdomain¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_mailaliasdomain_error_notint¤ |  |
client	| ¤limit_mailmailinglist¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_mailmailinglist_error_notint¤ |  |
client	| ¤limit_mailforward¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_mailforward_error_notint¤ |  |
client	| ¤limit_mailcatchall¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_mailcatchall_error_notint¤ |  |
client	| ¤limit_mailrouting¤ | INTEGER | TEXT | no |  | 0 | ¤0¤ | ISINT → ¤limit_mailrouting_error_notint¤ |  |
client	| ¤limit_mail_wblist¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_mail_wblist_error_notint¤ |  |
client	| ¤limit_mailfilter¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_mailfilter_error_notint¤ |  |
client	| ¤limit_fetchmail¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_mailfetchmail_error_notint¤ |  |
client	| ¤limit_mailquota¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_mailquota_error_notint¤ |  |
client	| ¤limit_spamfilter_wblist¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_spamfilter_wblist_error_notint¤ |  |
client	| ¤limit_spamfilter_user¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_spamfilter_user_error_notint¤ |  |
client	| ¤limit_spamfilter_policy¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_spamfilter_policy_error_notint¤ |  |
client	| ¤limit_mail_backup¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤y¤ |  |  |
client	| ¤limit_relayhost¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
client	| ¤default_xmppserver¤ | INTEGER | SELECT | no |  | 0 | ¤1¤ |  |  |
client	| ¤xmpp_servers¤ | VARCHAR | MULTIPLE | no | string joined by ¤,¤ (or JSON array) | '' | ¤1¤ | CUSTOM validate_client::check_used_servers → ¤xmpp_servers_used¤ |  |
client	| ¤limit_xmpp_domain¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_xmpp_domain_error_notint¤ |  |
client	| ¤limit_xmpp_user¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_xmpp_user_error_notint¤ |  |
client	| ¤limit_xmpp_muc¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
client	| ¤limit_xmpp_anon¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
client	| ¤limit_xmpp_vjud¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
client	| ¤limit_xmpp_proxy¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
client	| ¤limit_xmpp_status¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
client	| ¤limit_xmpp_pastebin¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
client	| ¤limit_xmpp_httparchive¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
client	| ¤default_webserver¤ | INTEGER | SELECT | no |  | 0 | ¤1¤ |  |  |
client	| ¤web_servers¤ | VARCHAR | MULTIPLE | no | string joined by ¤,¤ (or JSON array) | '' | ¤1¤ | CUSTOM validate_client::check_used_servers → ¤web_servers_used¤ |  |
client	| ¤limit_web_domain¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_web_domain_error_notint¤ |  |
client	| ¤limit_web_quota¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_web_quota_error_notint¤ |  |
client	| ¤web_php_options¤ | VARCHAR | CHECKBOXARRAY | **yes** | ¤no¤, ¤fast-cgi¤, ¤cgi¤, ¤mod¤, ¤suphp¤, ¤php-fpm¤, ¤hhvm¤; string joined by ¤,¤ (or JSON array) | '' |  | NOTEMPTY → ¤web_php_options_notempty¤ |  |
client	| ¤limit_cgi¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
client	| ¤limit_ssi¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
client	| ¤limit_perl¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
client	| ¤limit_ruby¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
client	| ¤limit_python¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
client	| ¤force_suexec¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤y¤ |  |  |
client	| ¤limit_hterror¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
client	| ¤limit_wildcard¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
client	| ¤limit_ssl¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
client	| ¤limit_ssl_letsencrypt¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
client	| ¤limit_web_aliasdomain¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_web_aliasdomain_error_notint¤ |  |
client	| ¤limit_web_subdomain¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_web_subdomain_error_notint¤ |  |
client	| ¤limit_ftp_user¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_ftp_user_error_notint¤ |  |
client	| ¤limit_shell_user¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_shell_user_error_notint¤ |  |
client	| ¤ssh_chroot¤ | VARCHAR | CHECKBOXARRAY | **yes** | ¤no¤, ¤jailkit¤; string joined by ¤,¤ (or JSON array) | '' |  | NOTEMPTY → ¤ssh_chroot_notempty¤ |  |
client	| ¤limit_webdav_user¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_webdav_user_error_notint¤ |  |
client	| ¤limit_backup¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤y¤ |  |  |
client	| ¤limit_directive_snippets¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
client	| ¤default_dnsserver¤ | INTEGER | SELECT | no |  | 0 | ¤1¤ |  |  |
client	| ¤dns_servers¤ | VARCHAR | MULTIPLE | no | string joined by ¤,¤ (or JSON array) | '' | ¤1¤ | CUSTOM validate_client::check_used_servers → ¤dns_servers_used¤ |  |
client	| ¤limit_dns_zone¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_dns_zone_error_notint¤ |  |
client	| ¤default_slave_dnsserver¤ | INTEGER | SELECT | no |  | 0 | ¤1¤ |  |  |
client	| ¤limit_dns_slave_zone¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_dns_slave_zone_error_notint¤ |  |
client	| ¤limit_dns_record¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_dns_record_error_notint¤ |  |
client	| ¤limit_client¤ | INTEGER | TEXT | no |  | 0 | ¤0¤ | ISINT → ¤limit_client_error_notint¤ |  |
client	| ¤default_dbserver¤ | INTEGER | SELECT | no |  | 0 | ¤1¤ |  |  |
client	| ¤db_servers¤ | VARCHAR | MULTIPLE | no | string joined by ¤,¤ (or JSON array) | '' | ¤1¤ | CUSTOM validate_client::check_used_servers → ¤db_servers_used¤ |  |
client	| ¤limit_database¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_database_error_notint¤ |  |
client	| ¤limit_database_user¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_database_user_notint¤ |  |
client	| ¤limit_database_quota¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_database_quota_error_notint¤ |  |
client	| ¤limit_cron¤ | INTEGER | TEXT | no |  | 0 | ¤0¤ | ISINT → ¤limit_cron_error_notint¤ |  |
client	| ¤limit_cron_type¤ | VARCHAR | SELECT | no | ¤full¤, ¤chrooted¤, ¤url¤ | '' |  |  |  |
client	| ¤limit_cron_frequency¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_cron_error_frequency¤ |  |
client	| ¤limit_traffic_quota¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_traffic_quota_error_notint¤ |  |
client	| ¤limit_openvz_vm¤ | INTEGER | TEXT | no |  | 0 | ¤0¤ | ISINT → ¤limit_openvz_vm_error_notint¤ |  |
client	| ¤limit_openvz_vm_template_id¤ | INTEGER | SELECT | no | ¤0¤ | 0 |  |  |  |
client	| ¤limit_aps¤ | INTEGER | TEXT | no |  | 0 | ¤-1¤ | ISINT → ¤limit_aps_error_notint¤ |  |
web_vhost_domain	| ¤server_id¤ | INTEGER | SELECT | **yes** |  | 0 |  | NOTEMPTY → ¤no_server_error¤ |  |
web_vhost_domain	| ¤ip_address¤ | VARCHAR | SELECT | no |  | '' |  |  |  |
web_vhost_domain	| ¤ipv6_address¤ | VARCHAR | SELECT | no |  | '' |  |  |  |
web_vhost_domain	| ¤domain¤ | VARCHAR | TEXT | **yes** |  | '' |  | CUSTOM validate_domain::web_domain → ¤domain_error_empty¤, ¤domain_error_regex¤, ¤domain_error_unique¤, ¤domain_error_acme_invalid¤ | IDNTOASCII, TOLOWER |
web_vhost_domain	| ¤type¤ | VARCHAR | SELECT | no | ¤vhost¤, ¤alias¤, ¤vhostalias¤, ¤subdomain¤, ¤vhostsubdomain¤ | '' | ¤y¤ |  |  |
web_vhost_domain	| ¤parent_domain_id¤ | INTEGER | SELECT | no |  | 0 |  |  |  |
web_vhost_domain	| ¤vhost_type¤ | VARCHAR | SELECT | no | ¤name¤, ¤ip¤ | '' | ¤y¤ |  |  |
web_vhost_domain	| ¤hd_quota¤ | INTEGER | TEXT | **yes** |  | 0 | ¤-1¤ | NOTEMPTY → ¤hd_quota_error_empty¤<br>REGEX ¤/^(\-1\|[0-9]{1,10})$/¤ → ¤hd_quota_error_regex¤ |  |
web_vhost_domain	| ¤traffic_quota¤ | INTEGER | TEXT | **yes** |  | 0 | ¤-1¤ | NOTEMPTY → ¤traffic_quota_error_empty¤<br>REGEX ¤/^(\-1\|[0-9]{1,10})$/¤ → ¤traffic_quota_error_regex¤ |  |
web_vhost_domain	| ¤cgi¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
web_vhost_domain	| ¤ssi¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
web_vhost_domain	| ¤suexec¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤y¤ |  |  |
web_vhost_domain	| ¤errordocs¤ | INTEGER | CHECKBOX | no | '1' / '0' | '0' | ¤1¤ |  |  |
web_vhost_domain	| ¤subdomain¤ | VARCHAR | SELECT | no | ¤none¤, ¤www¤, ¤*¤ | '' | ¤www¤ | CUSTOM validate_domain::web_domain_autosub → ¤domain_error_autosub¤ |  |
web_vhost_domain	| ¤ssl¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
web_vhost_domain	| ¤ssl_letsencrypt¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
web_vhost_domain	| ¤php¤ | VARCHAR | SELECT | no | ¤no¤, ¤fast-cgi¤, ¤cgi¤, ¤mod¤, ¤suphp¤, ¤php-fpm¤, ¤hhvm¤ | '' | ¤fast-cgi¤ |  |  |
web_vhost_domain	| ¤server_php_id¤ | INTEGER | SELECT | no |  | 0 | ¤0¤ |  |  |
web_vhost_domain	| ¤perl¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
web_vhost_domain	| ¤ruby¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
web_vhost_domain	| ¤python¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
web_vhost_domain	| ¤enable_pagespeed¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
web_vhost_domain	| ¤active¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤y¤ |  |  |
web_vhost_domain	| ¤web_folder¤ | VARCHAR | TEXT | no |  | '' |  | REGEX ¤@^((?!(.*\.\.)\|(.*\./)\|(.*//))[^/][\w/_\.\-]{1,100})?$@¤ → ¤web_folder_error_regex¤ | TRIM |
web_vhost_domain	| ¤redirect_type¤ | VARCHAR | SELECT | no | '', ¤no¤, ¤R¤, ¤L¤, ¤R,L¤, ¤R=301,L¤, ¤last¤, ¤break¤, ¤redirect¤, ¤permanent¤, ¤proxy¤ | '' |  |  |  |
web_vhost_domain	| ¤redirect_path¤ | VARCHAR | TEXT | no |  | '' |  | REGEX ¤@^(([\.]{0})\|((ftp\|https?\|\[scheme\])://([-\w\.]+)+(:\d+)?(/([\w/_\.\,\-\+\?\~!:%]*(\?\S+)?)?)?)(?:#\S*)?\|(/(?!.*\.\.)[\w/_\.\-]{1,255}/))$@¤ → ¤redirect_error_regex¤ |  |
web_vhost_domain	| ¤seo_redirect¤ | VARCHAR | SELECT | no | '', ¤non_www_to_www¤, ¤www_to_non_www¤, ¤*_domain_tld_to_domain_tld¤, ¤*_domain_tld_to_www_domain_tld¤, ¤*_to_domain_tld¤, ¤*_to_www_domain_tld¤ | '' |  |  |  |
web_vhost_domain	| ¤rewrite_rules¤ | TEXT | TEXT | no |  | NULL |  |  |  |
web_vhost_domain	| ¤rewrite_to_https¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
web_vhost_domain	| ¤ssl_state¤ | VARCHAR | TEXT | no |  | '' |  | REGEX ¤/^(([\.]{0})\|([-a-zA-Z0-9._,&äöüÄÖÜ ]{0,255}))$/¤ → ¤ssl_state_error_regex¤ |  |
web_vhost_domain	| ¤ssl_locality¤ | VARCHAR | TEXT | no |  | '' |  | REGEX ¤/^(([\.]{0})\|([-a-zA-Z0-9._,&äöüÄÖÜ ]{0,255}))$/¤ → ¤ssl_locality_error_regex¤ |  |
web_vhost_domain	| ¤ssl_organisation¤ | VARCHAR | TEXT | no |  | '' |  | REGEX ¤/^(([\.]{0})\|([-a-zA-Z0-9._,&äöüÄÖÜ ]{0,255}))$/¤ → ¤ssl_organisation_error_regex¤ |  |
web_vhost_domain	| ¤ssl_organisation_unit¤ | VARCHAR | TEXT | no |  | '' |  | REGEX ¤/^(([\.]{0})\|([-a-zA-Z0-9._,&äöüÄÖÜ ]{0,255}))$/¤ → ¤ssl_organistaion_unit_error_regex¤ |  |
web_vhost_domain	| ¤ssl_country¤ | VARCHAR | SELECT | no |  | '' |  |  |  |
web_vhost_domain	| ¤ssl_domain¤ | VARCHAR | TEXT | no |  | '' |  |  | STRIPTAGS, STRIPNL |
web_vhost_domain	| ¤ssl_key¤ | TEXT | TEXTAREA | no |  | '' |  |  | STRIPTAGS |
web_vhost_domain	| ¤ssl_request¤ | TEXT | TEXTAREA | no |  | '' |  |  | STRIPTAGS |
web_vhost_domain	| ¤ssl_cert¤ | TEXT | TEXTAREA | no |  | '' |  |  | STRIPTAGS |
web_vhost_domain	| ¤ssl_bundle¤ | TEXT | TEXTAREA | no |  | '' |  |  | STRIPTAGS |
web_vhost_domain	| ¤ssl_action¤ | VARCHAR | SELECT | no | '', ¤save¤, ¤create¤, ¤del¤ | '' |  |  |  |
web_vhost_domain	| ¤stats_password¤ | VARCHAR | PASSWORD | no | plain text in; stored hashed (CRYPT) | (column skipped → DB default) |  | CUSTOM validate_password::password_check → ¤weak_password_txt¤ |  |
web_vhost_domain	| ¤stats_type¤ | VARCHAR | SELECT | no | ¤awstats¤, ¤goaccess¤, ¤webalizer¤, '' | '' | ¤awstats¤ |  |  |
web_vhost_domain	| ¤backup_interval¤ | VARCHAR | SELECT | no | ¤none¤, ¤daily¤, ¤weekly¤, ¤monthly¤ | '' |  |  |  |
web_vhost_domain	| ¤backup_copies¤ | INTEGER | SELECT | no | ¤1¤, ¤2¤, ¤3¤, ¤4¤, ¤5¤, ¤6¤, ¤7¤, ¤8¤, ¤9¤, ¤10¤, ¤15¤, ¤20¤, ¤30¤ | 0 |  |  |  |
web_vhost_domain	| ¤backup_excludes¤ | VARCHAR | TEXT | no |  | '' |  | REGEX ¤@^(?!.*\.\.)[-a-zA-Z0-9_/.~,*]*$@¤ → ¤backup_excludes_error_regex¤ |  |
web_vhost_domain	| ¤backup_format_web¤ | VARCHAR | SELECT | no | ¤default¤, ¤zip¤, ¤zip_bzip2¤, ¤tar_gzip¤, ¤tar_bzip2¤, ¤tar_xz¤, ¤tar_7z_lzma2¤, ¤tar_7z_lzma¤, ¤tar_7z_ppmd¤, ¤tar_7z_bzip2¤, ¤rar¤ | '' |  |  |  |
web_vhost_domain	| ¤backup_format_db¤ | VARCHAR | SELECT | no | ¤zip¤, ¤zip_bzip2¤, ¤gzip¤, ¤bzip2¤, ¤xz¤, ¤7z_lzma2¤, ¤7z_lzma¤, ¤7z_ppmd¤, ¤7z_bzip2¤, ¤rar¤ | '' |  |  |  |
web_vhost_domain	| ¤backup_encrypt¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
web_vhost_domain	| ¤backup_password¤ | VARCHAR | TEXT | no |  | '' |  |  |  |
web_vhost_domain	| ¤document_root¤ | VARCHAR | TEXT | no (pre-filled ¤-¤) |  | ¤-¤, then recomputed for vhosts (§4.3 step 4) |  | NOTEMPTY → ¤documentroot_error_empty¤ |  |
web_vhost_domain	| ¤system_user¤ | VARCHAR | TEXT | no (pre-filled ¤-¤) |  | ¤-¤, then ¤web<domain_id>¤ for vhosts |  | NOTEMPTY → ¤sysuser_error_empty¤<br>CUSTOM validate_systemuser::check_sysuser → ¤invalid_system_user_or_group_txt¤ |  |
web_vhost_domain	| ¤system_group¤ | VARCHAR | TEXT | no (pre-filled ¤-¤) |  | ¤-¤, then ¤client<client_id>¤ for vhosts |  | NOTEMPTY → ¤sysgroup_error_empty¤<br>CUSTOM validate_systemuser::check_sysgroup → ¤invalid_system_user_or_group_txt¤ |  |
web_vhost_domain	| ¤allow_override¤ | VARCHAR | TEXT | **yes** |  | (required; then overwritten from server config) | ¤All¤ | NOTEMPTY → ¤allow_override_error_empty¤ |  |
web_vhost_domain	| ¤proxy_protocol¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤y¤ |  |  |
web_vhost_domain	| ¤php_fpm_use_socket¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
web_vhost_domain	| ¤php_fpm_chroot¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
web_vhost_domain	| ¤pm¤ | VARCHAR | SELECT | no | ¤static¤, ¤dynamic¤, ¤ondemand¤ | '' | ¤ondemand¤ |  |  |
web_vhost_domain	| ¤pm_max_children¤ | INTEGER | TEXT | **yes** |  | 1 (set by the function) | ¤10¤ | REGEX ¤/^([1-9][0-9]{0,10})$/¤ → ¤pm_max_children_error_regex¤ |  |
web_vhost_domain	| ¤pm_start_servers¤ | INTEGER | TEXT | **yes** |  | 1 (set by the function) | ¤2¤ | REGEX ¤/^([1-9][0-9]{0,10})$/¤ → ¤pm_start_servers_error_regex¤ |  |
web_vhost_domain	| ¤pm_min_spare_servers¤ | INTEGER | TEXT | **yes** |  | 1 (set by the function) | ¤1¤ | REGEX ¤/^([1-9][0-9]{0,10})$/¤ → ¤pm_min_spare_servers_error_regex¤ |  |
web_vhost_domain	| ¤pm_max_spare_servers¤ | INTEGER | TEXT | **yes** |  | 1 (set by the function) | ¤5¤ | REGEX ¤/^([1-9][0-9]{0,10})$/¤ → ¤pm_max_spare_servers_error_regex¤ |  |
web_vhost_domain	| ¤pm_process_idle_timeout¤ | INTEGER | TEXT | **yes** |  | 0 | ¤10¤ | REGEX ¤/^([1-9][0-9]{0,10})$/¤ → ¤pm_process_idle_timeout_error_regex¤ |  |
web_vhost_domain	| ¤pm_max_requests¤ | INTEGER | TEXT | **yes** |  | 0 | ¤0¤ | REGEX ¤/^([0-9]{1,11})$/¤ → ¤pm_max_requests_error_regex¤ |  |
web_vhost_domain	| ¤php_open_basedir¤ | VARCHAR | TEXT | no |  | (overwritten from server config) | ¤All¤ |  |  |
web_vhost_domain	| ¤custom_php_ini¤ | TEXT | TEXT | no |  | NULL |  |  |  |
web_vhost_domain	| ¤apache_directives¤ | TEXT | TEXT | no |  | NULL |  | CUSTOM validate_domain::web_apache_directives → ¤apache_directive_blockd_error¤ |  |
web_vhost_domain	| ¤nginx_directives¤ | TEXT | TEXT | no |  | NULL |  | CUSTOM validate_domain::web_nginx_directives → ¤nginx_directive_blocked_error¤ |  |
web_vhost_domain	| ¤proxy_directives¤ | TEXT | TEXT | no |  | NULL |  |  |  |
web_vhost_domain	| ¤added_date¤ | DATE | TEXT | no | ¤Y-m-d¤ or empty | NULL | ¤today¤ |  |  |
web_vhost_domain	| ¤added_by¤ | VARCHAR | TEXT | no |  | '' | ¤current user¤ |  |  |
web_vhost_domain	| ¤http_port¤ | INTEGER | TEXT | **yes** |  | 0 | ¤0¤ | REGEX ¤/^([0-9]{1,5})$/¤ → ¤http_port_error_regex¤ |  |
web_vhost_domain	| ¤https_port¤ | INTEGER | TEXT | **yes** |  | 0 | ¤0¤ | REGEX ¤/^([0-9]{1,5})$/¤ → ¤https_port_error_regex¤ |  |
web_vhost_domain	| ¤log_retention¤ | INTEGER | TEXT | **yes** |  | 30 (set by the function) | ¤30¤ | REGEX ¤/^([0-9]{1,4})$/¤ → ¤log_retention_error_regex¤ |  |
web_vhost_domain	| ¤jailkit_chroot_app_sections¤ | TEXT | TEXT | no |  | NULL |  | REGEX ¤/^[a-zA-Z0-9\-\_\ ]*$/¤ → ¤jailkit_chroot_app_sections_error_regex¤ |  |
web_vhost_domain	| ¤jailkit_chroot_app_programs¤ | TEXT | TEXT | no |  | NULL |  | REGEX ¤/^[a-zA-Z0-9\.\-\_\/\ ]*$/¤ → ¤jailkit_chroot_app_programs_error_regex¤ |  |
web_vhost_domain	| ¤delete_unused_jailkit¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
web_childdomain	| ¤server_id¤ | INTEGER | SELECT | no |  | 0 |  |  |  |
web_childdomain	| ¤domain¤ | VARCHAR | TEXT | **yes** |  | '' |  | CUSTOM validate_domain::alias_domain → ¤domain_error_empty¤, ¤domain_error_regex¤, ¤domain_error_unique¤, ¤domain_error_acme_invalid¤ | IDNTOASCII, TOLOWER |
web_childdomain	| ¤type¤ | VARCHAR | SELECT | no | ¤vhost¤, ¤alias¤, ¤subdomain¤ | '' | ¤y¤ |  |  |
web_childdomain	| ¤parent_domain_id¤ | INTEGER | SELECT | no |  | 0 |  |  |  |
web_childdomain	| ¤redirect_type¤ | VARCHAR | SELECT | no | '', ¤no¤, ¤R¤, ¤L¤, ¤R,L¤, ¤R=301,L¤, ¤last¤, ¤break¤, ¤redirect¤, ¤permanent¤, ¤proxy¤ | '' | ¤y¤ |  |  |
web_childdomain	| ¤redirect_path¤ | VARCHAR | TEXT | no |  | '' |  | REGEX ¤@^(([\.]{0})\|((ftp\|https?\|\[scheme\])://([-\w\.]+)+(:\d+)?(/([\w/_\.\,\-\+\?\~!:%]*(\?\S+)?)?)?)(?:#\S*)?\|(/(?!.*\.\.)[\w/_\.\-]{1,255}/))$@¤ → ¤redirect_error_regex¤ |  |
web_childdomain	| ¤ssl_letsencrypt_exclude¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
web_childdomain	| ¤active¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤y¤ |  |  |
web_childdomain	| ¤subdomain¤ | VARCHAR | SELECT | no | ¤none¤, ¤www¤, ¤*¤ | '' | ¤www¤ | CUSTOM validate_domain::web_domain_autosub → ¤domain_error_autosub¤ |  |
web_childdomain	| ¤seo_redirect¤ | VARCHAR | SELECT | no | '', ¤non_www_to_www¤, ¤www_to_non_www¤, ¤*_domain_tld_to_domain_tld¤, ¤*_domain_tld_to_www_domain_tld¤, ¤*_to_domain_tld¤, ¤*_to_www_domain_tld¤ | '' |  |  |  |
web_childdomain	| ¤proxy_directives¤ | TEXT | TEXT | no |  | NULL |  |  |  |
mail_domain	| ¤server_id¤ | INTEGER | SELECT | no |  | 0 |  |  |  |
mail_domain	| ¤domain¤ | VARCHAR | TEXT | **yes** |  | '' |  | NOTEMPTY → ¤domain_error_empty¤<br>UNIQUE → ¤domain_error_unique¤<br>ISDOMAIN → ¤domain_error_regex¤ | IDNTOASCII, TOLOWER |
mail_domain	| ¤dkim¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
mail_domain	| ¤dkim_private¤ | TEXT | TEXTAREA | no |  | NULL |  | CUSTOM validate_dkim::check_private_key → ¤dkim_private_key_error¤ |  |
mail_domain	| ¤dkim_public¤ | TEXT | TEXTAREA | no |  | NULL |  |  |  |
mail_domain	| ¤dkim_selector¤ | VARCHAR | TEXT | no |  | '' | ¤default¤ | REGEX ¤/^[a-z0-9]{0,63}$/¤ → ¤dkim_selector_error¤ |  |
mail_domain	| ¤relay_host¤ | VARCHAR | TEXT | no |  | '' |  |  |  |
mail_domain	| ¤relay_user¤ | VARCHAR | TEXT | no |  | '' |  |  |  |
mail_domain	| ¤relay_pass¤ | VARCHAR | TEXT | no |  | '' |  |  |  |
mail_domain	| ¤active¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤y¤ |  |  |
mail_user	| ¤server_id¤ | INTEGER | TEXT | no |  | 0 |  |  |  |
mail_user	| ¤email¤ | VARCHAR | TEXT | **yes** |  | '' |  | ISEMAIL → ¤email_error_isemail¤<br>UNIQUE → ¤email_error_unique¤ | IDNTOASCII, TOLOWER |
mail_user	| ¤login¤ | VARCHAR | TEXT | **yes** |  | '' |  | UNIQUE → ¤login_error_unique¤<br>REGEX ¤/^[_a-z0-9][\w\.\-_\+@]{1,63}$/¤ → ¤login_error_regex¤ | IDNTOASCII, TOLOWER |
mail_user	| ¤password¤ | VARCHAR | PASSWORD | no | plain text in; stored hashed (CRYPTMAIL) | (column skipped → DB default) |  | CUSTOM validate_password::password_check → ¤weak_password_txt¤ |  |
mail_user	| ¤name¤ | VARCHAR | TEXT | no |  | '' |  |  | STRIPTAGS, STRIPNL |
mail_user	| ¤quota¤ | VARCHAR | TEXT | **yes** |  | '' | ¤-1¤ | ISINT → ¤quota_error_isint¤<br>REGEX ¤/^([0-9]{1,})$/¤ → ¤quota_error_value¤ |  |
mail_user	| ¤cc¤ | VARCHAR | TEXT | no |  | '' |  | REGEX ¤/^(\w+[\w\.\-\+]*\w{0,}@\w+[\w.-]*\.[a-z\-]{2,63}){0,1}(,\s*\w+[\w\.\-\+]*\w{0,}@\w+[\w.-]*\.[a-z\-]{2,63}){0,}$/i¤ → ¤cc_error_isemail¤ | IDNTOASCII, TOLOWER |
mail_user	| ¤forward_in_lda¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
mail_user	| ¤sender_cc¤ | VARCHAR | TEXT | no |  | '' |  | ISEMAILADDRESS (empty ok) → ¤sender_cc_error_isemail¤ | IDNTOASCII, TOLOWER |
mail_user	| ¤maildir¤ | VARCHAR | TEXT | no |  | '' |  |  | STRIPTAGS, STRIPNL |
mail_user	| ¤maildir_format¤ | VARCHAR | TEXT | no |  | ¤maildir¤ (set by the function) |  |  | STRIPTAGS, STRIPNL |
mail_user	| ¤homedir¤ | VARCHAR | TEXT | no |  | '' |  |  | STRIPTAGS, STRIPNL |
mail_user	| ¤uid¤ | INTEGER | TEXT | no |  | -1 (set by the function) |  |  |  |
mail_user	| ¤gid¤ | INTEGER | TEXT | no |  | -1 (set by the function) |  |  |  |
mail_user	| ¤postfix¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤y¤ |  |  |
mail_user	| ¤greylisting¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
mail_user	| ¤disablesmtp¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
mail_user	| ¤disabledeliver¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
mail_user	| ¤disableimap¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
mail_user	| ¤disablepop3¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
mail_user	| ¤autoresponder_subject¤ | VARCHAR | TEXT | no |  | '' | ¤Out of office reply¤ |  | STRIPTAGS, STRIPNL |
mail_user	| ¤autoresponder_text¤ | TEXT | TEXTAREA | no |  | '' |  |  | STRIPTAGS |
mail_user	| ¤autoresponder¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
mail_user	| ¤autoresponder_start_date¤ | DATETIME | DATETIME | no | ¤Y-m-d H:i:s¤ or empty | NULL |  | ISDATETIME (empty ok) → ¤autoresponder_start_date_is_no_date¤ |  |
mail_user	| ¤autoresponder_end_date¤ | DATETIME | DATETIME | no | ¤Y-m-d H:i:s¤ or empty | NULL |  | ISDATETIME (empty ok) → ¤autoresponder_end_date_is_no_date¤<br>CUSTOM validate_autoresponder::end_date → ¤autoresponder_end_date_isgreater¤ |  |
mail_user	| ¤move_junk¤ | VARCHAR | SELECT | no | ¤y¤, ¤a¤, ¤n¤ | '' | ¤y¤ |  |  |
mail_user	| ¤purge_trash_days¤ | VARCHAR | TEXT | no |  | '' | ¤0¤ |  |  |
mail_user	| ¤purge_junk_days¤ | VARCHAR | TEXT | no |  | '' | ¤0¤ |  |  |
mail_user	| ¤custom_mailfilter¤ | TEXT | TEXTAREA | no |  | NULL |  |  |  |
mail_user	| ¤backup_interval¤ | VARCHAR | SELECT | no | ¤none¤, ¤daily¤, ¤weekly¤, ¤monthly¤ | '' |  |  |  |
mail_user	| ¤backup_copies¤ | INTEGER | SELECT | no | ¤1¤, ¤2¤, ¤3¤, ¤4¤, ¤5¤, ¤6¤, ¤7¤, ¤8¤, ¤9¤, ¤10¤, ¤15¤, ¤20¤, ¤30¤ | 0 |  |  |  |
mail_alias	| ¤server_id¤ | INTEGER | TEXT | no |  | 0 |  |  |  |
mail_alias	| ¤source¤ | VARCHAR | TEXT | **yes** |  | '' |  | ISEMAIL → ¤email_error_isemail¤ | IDNTOASCII, TOLOWER |
mail_alias	| ¤destination¤ | VARCHAR | SELECT | **yes** |  | '' |  | ISEMAIL → ¤destination_error_isemail¤ | IDNTOASCII, TOLOWER |
mail_alias	| ¤type¤ | VARCHAR | SELECT | no | ¤alias¤, ¤forward¤ | '' |  |  |  |
mail_alias	| ¤active¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤y¤ |  |  |
mail_alias	| ¤allow_send_as¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤y¤ |  |  |
mail_alias	| ¤greylisting¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
mail_forward	| ¤server_id¤ | INTEGER | TEXT | no |  | 0 |  |  |  |
mail_forward	| ¤source¤ | VARCHAR | TEXT | **yes** |  | '' |  | ISEMAIL → ¤email_error_isemail¤ | IDNTOASCII, TOLOWER |
mail_forward	| ¤destination¤ | VARCHAR | TEXT | no |  | '' |  |  | IDNTOASCII, TOLOWER, STRIPTAGS |
mail_forward	| ¤type¤ | VARCHAR | SELECT | no | ¤forward¤, ¤alias¤ | '' |  |  |  |
mail_forward	| ¤active¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤y¤ |  |  |
mail_forward	| ¤allow_send_as¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
mail_forward	| ¤greylisting¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
domain	| ¤domain¤ | VARCHAR | TEXT | **yes** |  | '' |  | NOTEMPTY → ¤domain_error_empty¤<br>UNIQUE → ¤domain_error_unique¤<br>REGEX ¤/^[\w\.\-]{1,255}\.[a-zA-Z0-9\-]{2,63}$/¤ → ¤domain_error_regex¤ | IDNTOASCII, TOLOWER |
mail_catchall	| ¤server_id¤ | INTEGER | TEXT | no |  | 0 |  |  |  |
mail_catchall	| ¤source¤ | VARCHAR | TEXT | **yes** |  | '' |  | NOTEMPTY → ¤domain_error_empty¤<br>UNIQUE → ¤domain_error_unique¤<br>REGEX ¤/^\@[\w\.\-]{1,255}\.[a-zA-Z\-]{2,63}$/¤ → ¤domain_error_regex¤ | IDNTOASCII, TOLOWER |
mail_catchall	| ¤destination¤ | VARCHAR | TEXT | **yes** |  | '' |  | ISEMAILADDRESS → ¤destination_error_isemail¤ | IDNTOASCII, TOLOWER |
mail_catchall	| ¤type¤ | VARCHAR | SELECT | no | ¤alias¤, ¤forward¤, ¤catchall¤ | '' |  |  |  |
mail_catchall	| ¤allow_send_as¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
mail_catchall	| ¤active¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤y¤ |  |  |
mail_catchall	| ¤greylisting¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤n¤ |  |  |
mail_aliasdomain	| ¤server_id¤ | INTEGER | TEXT | no |  | 0 |  |  |  |
mail_aliasdomain	| ¤source¤ | VARCHAR | TEXT | **yes** |  | '' |  | NOTEMPTY → ¤source_error_empty¤<br>UNIQUE → ¤source_error_unique¤<br>REGEX ¤/^\@[\w\.\-]{1,255}\.[a-zA-Z0-9\-]{2,63}$/¤ → ¤source_error_regex¤ | IDNTOASCII, TOLOWER |
mail_aliasdomain	| ¤destination¤ | VARCHAR | SELECT | no |  | '' |  |  | IDNTOASCII, TOLOWER |
mail_aliasdomain	| ¤type¤ | VARCHAR | SELECT | no | ¤alias¤, ¤forward¤ | '' |  |  |  |
mail_aliasdomain	| ¤active¤ | VARCHAR | CHECKBOX | no | 'y' / 'n' | 'n' | ¤y¤ |  |  |
`
