vcl 4.1;
# The production edge: Debian's varnish (7.x) with varnish-modules' xkey, in front of gunicorn.
# Reader pages are kept until a change purges them, by the tags they show; nothing else is kept.
#
#   apt-get install varnish varnish-modules
#   varnishd -a :80 -f /etc/varnish/newsroom.vcl -s malloc,1G -p http_gzip_support=off \
#            -p vsl_mask=$VSL_MASK
#
# http_gzip_support=off: Django compresses (brotli or gzip, pagecache/encoding.py) and Varnish keeps
# and sends the bytes as they are; its own gzip handling would rewrite a browser's "br" to gzip.
#
# Every request writes log records to shared memory (VSL): formatting and copying them is about a
# seventh of what a hit costs Varnish (bench/RESULTS.md). Varnish does not speak TLS, so the
# terminator in front of it (nginx, hitch, the load balancer) already keeps an access log; then
# leave out what a hit writes, as nginx's `access_log off`:
#
# VSL_MASK=-VCL_call,-VCL_return,-RespHeader,-RespUnset,-ReqUnset,-BereqHeader,-BerespHeader,\
#          -ObjHeader,-BereqUnset,-BerespUnset,-Hit,-Link,-Timestamp,-ReqStart,-ReqMethod,\
#          -ReqURL,-ReqProtocol,-ReqHeader,-RespProtocol,-RespStatus,-RespReason,-ReqAcct,\
#          -VCL_use,-Filters,-Begin,-End,-SessOpen,-SessClose,-Storage,-VdpAcct
#
# Misses, fetches, purges and errors are still logged (Bereq*, Beresp*, Fetch*, VCL_Log, Error).
# If Varnish keeps the access log itself (varnishncsa), stop the mask at -Link: varnishncsa and
# varnishlog -g request need the rest. The mask can be changed on a running varnishd, without a
# restart: varnishadm param.set vsl_mask +ReqURL,+ReqHeader,... to follow a request while
# debugging VCL, then back.
#
# and on every application server NEWSROOM_EDGE_PURGE_URLS lists each node's address
# (http://10.0.0.5/, comma-separated) so that changes reach them (pagecache/edge.py). Without it
# Django never sends Surrogate-Control, and this keeps pages only for Cache-Control's s-maxage
# (one second), like nginx (bench/nginx.conf, the simple option).
#
# What Django says about each response (pagecache/middleware.py, pagecache/edge.py):
#   xkey: article:12 section:3 listing site     the tags of a reader page: what a purge names
#   Surrogate-Key: (the same)                    for a CDN such as Fastly; removed here
#   Surrogate-Control: max-age=86400             how long an edge that is purged may keep it:
#                                                NEWSROOM_EDGE_MAX_AGE, never past the next
#                                                embargo or take-down; only on a page the page
#                                                cache stored (nothing changed while it rendered)
#   Cache-Control: public, max-age=10, s-maxage=1, stale-while-revalidate=30, ...
#                                                for browsers and caches that are not purged
#
# A change: Django purges its own page cache, then sends each node
#   PURGE / HTTP/1.1
#   xkey: article:12 section:3 listing ids:0
# and every object carrying any of those tags is dropped at once (xkey.purge: a hard purge, so no
# reader gets the old copy while it refreshes). Only the addresses in the purgers ACL may purge.
#
# Who is never served from here, as in Django's page cache (PageCacheMiddleware): any method but
# GET and HEAD, and any request with the session cookie (staff, anyone logged in; previews need
# one). What is never kept: a response without Surrogate-Control or an explicit Cache-Control
# that allows a shared copy, and any that sets a cookie or is private, no-store or no-cache (the
# admin, previews, the consent endpoints). Other cookies (consent) are sent on to Django, which
# never varies a shared page on them; they do not split the cache.

import std;
import xkey;

backend default {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 10s;
}

# Who may purge: the application servers (edit for yours). Over the PROXY protocol client.ip is
# the address the load balancer reports; purges come straight from the application servers.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Not allowed to purge"));
        }
        if (!req.http.xkey) {
            return (synth(400, "A purge names its tags in an xkey header"));
        }
        set req.http.X-Purged = xkey.purge(req.http.xkey);
        return (synth(200, "Purged " + req.http.X-Purged + " objects"));
    }
    # A client never chooses what this says about itself, nor what Django is asked for.
    unset req.http.X-Cache;

    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Staff and anyone logged in: Django's session cookie (SESSION_COOKIE_NAME, "sessionid").
    if (req.http.Cookie ~ "(^|;)\s*sessionid=") {
        return (pass);
    }
    if (req.http.Authorization) {
        return (pass);
    }

    # The cache key, narrowed as Django's page cache narrows it (pagecache/keys.py): only the
    # query parameters some reader view reads are kept (the union of their @uses_params;
    # tests/pagecache/test_edge.py checks this list against the views), sorted, so ?utm_source=...
    # or ?junk=1 is the page itself, never a new object. Django then narrows to what the view at
    # that address reads, so the page kept is exactly the page the address names.
    if (req.url ~ "\?") {
        set req.url = regsuball(req.url, "([?&])(?!(?:from|p|page|q|section|to)=)[^&]*", "\1");
        set req.url = regsuball(req.url, "&{2,}", "&");
        set req.url = regsub(req.url, "\?&+", "?");
        set req.url = regsub(req.url, "[?&]+$", "");
        set req.url = std.querysort(req.url);
    }

    # Content codings: Django sends brotli, gzip or neither by Accept-Encoding, with "Vary:
    # Accept-Encoding" and an ETag per coding (pagecache/encoding.py). The header is narrowed to
    # the one coding Django will choose, so Vary keeps one object per coding, not one per
    # browser's spelling of the header. Varnish's own gzip handling is off (http_gzip_support=off
    # at the top): it would rewrite "br" away after this sub.
    if (req.http.Accept-Encoding ~ "(?i)\bbr\b") {
        set req.http.Accept-Encoding = "br";
    } elsif (req.http.Accept-Encoding ~ "(?i)\bgzip\b") {
        set req.http.Accept-Encoding = "gzip";
    } else {
        unset req.http.Accept-Encoding;
    }
    # Not builtin.vcl's pass on any Cookie: only the session cookie makes a request per reader.
    return (hash);
}

sub vcl_hash {
    # http and https copies are different pages, as in the page cache's key.
    hash_data(req.http.X-Forwarded-Proto);
    # builtin.vcl's vcl_hash then adds the URL and the host.
}

sub vcl_hit {
    # STALE: an expired copy served in grace while it is fetched again.
    if (obj.ttl > 0s) {
        set req.http.X-Cache = "HIT";
    } else {
        set req.http.X-Cache = "STALE";
    }
}

sub vcl_miss {
    set req.http.X-Cache = "MISS";
}

sub vcl_pass {
    set req.http.X-Cache = "PASS";
}

sub vcl_backend_fetch {
    unset bereq.http.X-Cache;
}

sub vcl_backend_response {
    # For a CDN such as Fastly; this edge purges by xkey.
    unset beresp.http.Surrogate-Key;
    if (bereq.uncacheable) {
        return (deliver);
    }
    # Per reader, or not meant for a shared cache: never kept, and the next request for the
    # address goes to Django straight away (hit-for-miss), without waiting on this one.
    if (beresp.http.Set-Cookie
        || beresp.http.Cache-Control ~ "(?i)(private|no-store|no-cache)"
        || beresp.http.Vary ~ "(?i)(cookie|\*)"
        || (!beresp.http.Surrogate-Control && beresp.http.Cache-Control !~ "(?i)(s-maxage|max-age)=")) {
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    if (beresp.http.Surrogate-Control ~ "(?i)max-age=[0-9]+" && beresp.http.xkey) {
        # A tagged reader page: kept until a purge names one of its tags (or its max-age ends).
        set beresp.ttl = std.duration(
            regsub(beresp.http.Surrogate-Control, "(?i)^.*max-age=([0-9]+).*$", "\1") + "s", 0s);
    }
    # Otherwise builtin.vcl's TTL: Cache-Control's s-maxage (one second for a page without
    # tags, a 404 or 410, which then replaces a kept page at once), or max-age.
    #
    # A bounded grace: an expired copy (only a max-age ending, as at an embargo's time; a purge
    # drops copies outright) is served while one request fetches the new one, for at most
    # stale-while-revalidate's 30 seconds.
    set beresp.grace = 30s;
    set beresp.keep = 0s;
    unset beresp.http.Surrogate-Control;
    return (deliver);
}

sub vcl_deliver {
    # What the edge did with this request: HIT, STALE, MISS or PASS (staff, a POST, per reader).
    set resp.http.X-Cache = req.http.X-Cache;
    # The edge's instructions are for the edge: browsers get Cache-Control alone.
    unset resp.http.xkey;
    # A kept copy carries the id of the request that filled it, which no log here holds. What
    # the edge must not pass on was removed from a kept copy when it was stored (Surrogate-Key,
    # Surrogate-Control: vcl_backend_response), so a hit scans the headers only for these.
    if (obj.hits > 0) {
        unset resp.http.X-Request-ID;
    } else {
        unset resp.http.Surrogate-Control;
    }
}

sub vcl_synth {
    if (req.method == "PURGE") {
        set resp.http.X-Purged = req.http.X-Purged;
        set resp.http.Content-Type = "text/plain; charset=utf-8";
        set resp.body = resp.reason + {"
"};
        return (deliver);
    }
}
