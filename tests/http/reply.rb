# The reply map of http.get/post/put/patch/delete/request, redirects, HEAD,
# and the checks of assert http that hold.  Run by tests/http.sh.
runbook "http-reply" {
  param base : string
  phase "Replies" {
    step "get" {
      let r = http.get("${base}/json")
      assert r.status == 200
      assert r.headers["content-type"] == "application/json; charset=utf-8"
      assert r.headers["x-request-id"] == "abc-123"
      assert r.json.items[1].name == "b"
      assert r.json.nested.a.b == "c"
      assert contains(r.body, "\"version\": \"1.4.2\"")
      assert r.time >= 0ms
      assert r.url == "${base}/json"
      let t = http.get("${base}/text-json")
      assert t.json == null
      assert t.status == 200
      let e = http.get("${base}/status/503")
      assert e.status == 503
      assert e.body == "status 503"
    }
    step "methods" {
      let p = http.post("${base}/echo", json: {a: 1, b: [true, null]})
      assert p.json.method == "POST"
      assert p.json.body == "{\"a\":1,\"b\":[true,null]}"
      assert p.json.headers["content-type"] == "application/json"
      let u = http.put("${base}/echo", body: "raw text", headers: {"Content-Type": "text/plain", "X-Count": 3, "X-Empty": ""})
      assert u.json.method == "PUT"
      assert u.json.body == "raw text"
      assert u.json.headers["x-count"] == "3"
      assert u.json.headers["x-empty"] == ""
      assert u.json.headers["content-type"] == "text/plain"
      assert http.patch("${base}/echo", body: "p").json.method == "PATCH"
      assert http.delete("${base}/echo").json.method == "DELETE"
      assert http.request("OPTIONS", "${base}/echo").json.method == "OPTIONS"
      let g = http.get("${base}/echo", body: "with a body")
      assert g.json.method == "GET"
      assert g.json.body == "with a body"
    }
    step "redirects" {
      let n = http.get("${base}/redirect/3")
      assert n.status == 302
      assert n.headers.location == "/redirect/2"
      assert n.url == "${base}/redirect/3"
      let f = http.get("${base}/redirect/3", follow: true)
      assert f.status == 200
      assert f.body == "landed"
      assert f.url == "${base}/redirect/0"
    }
    step "large bodies under the limit" {
      assert len(http.get("${base}/big/1000000").body) == 1000000
      assert len(http.get("${base}/chunked/3000000").body) == 3000000
    }
    step "assert http checks" {
      assert http 200 "${base}/health"
      assert http 2xx GET "${base}/json" timeout: 5s contains "up" within 10s
      assert http 200 "${base}/json" json "$.status" == "up" json "$.items[0].id" == 1 json "$.count" >= 2
      assert http 200 "${base}/json" json "$.nested.a.b" != "d" json "$['version']" == "1.4.2" json "$.ok" == true
      assert http 200 "${base}/json" header "Content-Type" == "application/json; charset=utf-8" header "x-request-id" == "abc-123"
      assert http 201 POST "${base}/status/201" json: {name: "x"}
      assert http 4xx DELETE "${base}/status/404"
      assert http 3xx HEAD "${base}/redirect/1"
      assert http 200 HEAD "${base}/redirect/1" follow: true
      assert http 200 PUT "${base}/echo" body: "raw" json "$.body" == "raw" json "$.method" == "PUT"
      assert http 200 PATCH "${base}/echo" headers: {"X-Trace": "t1"} json "$.headers.x-trace" == "t1"
    }
  }
}
