package org.enclaveos.signer.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.crypto.SigningKey;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.sgx.SigstructDate;
import org.enclaveos.signer.testing.Requests;
import org.enclaveos.signer.testing.TestKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The policy suite: images and files against policies, each verdict and the rule that decided it. */
class PolicyCheckTest {
    static final SigningKey OLD = TestKeys.key("prod-2026");
    static final SigningKey NEW = TestKeys.key("prod-2027");
    static final SigningKey STRANGER = TestKeys.key("stranger");
    static final Hash256 ALLOWED = Hash256.sha256(new byte[] {7});

    static final String POLICY = """
        {"version": 1, "scopes": [
          {"images": ["registry.example.com/team/*"], "enclaves": [
            {"isvprodid": 1, "isvsvnMin": 3, "debug": "deny", "memoryModels": ["sgx1", "sgx2"],
             "signers": [{"mrsigner": "%s", "name": "prod-2026", "notAfter": "2027-06-30"},
                         {"mrsigner": "%s", "name": "prod-2027", "notBefore": "2027-01-01"}]},
            {"isvprodid": 2, "debug": "allow", "mrenclave": ["%s"],
             "attributes": {"flags": "0x4", "xfrm": "0x7", "mask": {"flags": "0xffffffffffffffff", "xfrm": "0xffffffffffffff1f"}}}]},
          {"images": ["file:*.signed.so"], "enclaves": [{"signers": [{"mrsigner": "%s"}]}]}]}
        """.formatted(OLD.mrsigner().hex(), NEW.mrsigner().hex(), ALLOWED.hex(), NEW.mrsigner().hex());

    static Policy policy(String mode) throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode tree = (com.fasterxml.jackson.databind.node.ObjectNode)
                new ObjectMapper().readTree(POLICY);
        if (mode != null) {
            tree.put("mode", mode);
        }
        return Policy.parse(tree, "p.yaml");
    }

    static Sigstruct signed(SigningKey key, int prodId, int svn, LocalDate date, boolean debug) {
        Sigstruct s = (debug ? Requests.debug(svn) : Requests.production(svn)).toBuilder().isvProdId(prodId)
                .date(date == null ? SigstructDate.NONE : SigstructDate.of(date)).build();
        return TestKeys.signed(s, key);
    }

    static Map<String, Sigstruct> models(Sigstruct sgx1, Sigstruct sgx2) {
        Map<String, Sigstruct> m = new LinkedHashMap<>();
        if (sgx1 != null) {
            m.put("sgx1", sgx1);
        }
        if (sgx2 != null) {
            m.put("sgx2", sgx2);
        }
        return m;
    }

    static final LocalDate MID_2026 = LocalDate.of(2026, 6, 1);
    static final LocalDate MID_2027 = LocalDate.of(2027, 3, 1);
    static final LocalDate LATE_2027 = LocalDate.of(2027, 9, 1);

    static Stream<Arguments> verdicts() {
        Sigstruct good = signed(OLD, 1, 3, MID_2026, false);
        Sigstruct allowedTwo = TestKeys.signed(Requests.production(1).toBuilder().isvProdId(2).mrenclave(ALLOWED).build(),
                OLD);
        return Stream.of(
            // subject, signatures, image, --at, passes, the first failing rule (or "")
            Arguments.of("docker://registry.example.com/team/app:1", models(good, good), true, null, true, ""),
            Arguments.of("registry.example.com/team/app:1", models(good, good), true, null, true, ""),
            Arguments.of("oci:/images/app:1", models(good, good), true, null, false, "scope"),
            Arguments.of("registry.example.com/other/app:1", models(good, good), true, null, false, "scope"),
            Arguments.of("registry.example.com/team/app:1", models(good, null), true, null, false, "memoryModels"),
            Arguments.of("registry.example.com/team/app:1", models(signed(OLD, 1, 2, MID_2026, false), good), true, null,
                    false, "isvsvnMin"),
            Arguments.of("registry.example.com/team/app:1", models(signed(OLD, 1, 9, MID_2026, true), good), true, null,
                    false, "debug"),
            Arguments.of("registry.example.com/team/app:1", models(signed(STRANGER, 1, 3, MID_2026, false), good), true,
                    null, false, "signer"),
            Arguments.of("registry.example.com/team/app:1", models(signed(OLD, 7, 3, MID_2026, false), good), true, null,
                    false, "isvprodid"),
            // Rotation: the old key until mid 2027, the new one from 2027; both in the overlap.
            Arguments.of("registry.example.com/team/app:1", models(signed(OLD, 1, 3, MID_2027, false),
                    signed(NEW, 1, 3, MID_2027, false)), true, null, true, ""),
            Arguments.of("registry.example.com/team/app:1", models(signed(OLD, 1, 3, LATE_2027, false),
                    signed(OLD, 1, 3, LATE_2027, false)), true, null, false, "signer"),
            Arguments.of("registry.example.com/team/app:1", models(signed(NEW, 1, 3, MID_2026, false),
                    signed(NEW, 1, 3, MID_2026, false)), true, null, false, "signer"),
            Arguments.of("registry.example.com/team/app:1", models(signed(NEW, 1, 3, LATE_2027, false),
                    signed(NEW, 1, 3, LATE_2027, false)), true, null, true, ""),
            // --at judges the windows at another date than the SIGSTRUCT's.
            Arguments.of("registry.example.com/team/app:1", models(good, good), true, LATE_2027, false, "signer"),
            Arguments.of("registry.example.com/team/app:1", models(signed(NEW, 1, 3, MID_2026, false),
                    signed(NEW, 1, 3, MID_2026, false)), true, MID_2027, true, ""),
            // A window needs a date: DATE 0 and no --at fails.
            Arguments.of("registry.example.com/team/app:1", models(signed(OLD, 1, 3, null, false), good), true, null,
                    false, "signer"),
            // Rule 2: debug allowed, exact attributes, an MRENCLAVE allow-list.
            Arguments.of("registry.example.com/team/two:1", Map.of("sgx1", allowedTwo), true, null, true, ""),
            Arguments.of("registry.example.com/team/two:1", Map.of("sgx1", TestKeys.signed(
                    allowedTwo.toBuilder().attributes(new Attributes(Attributes.MODE64BIT | Attributes.DEBUG, 0x7)).build(),
                    OLD)), true, null, false, "attributes.flags"),
            Arguments.of("registry.example.com/team/two:1", Map.of("sgx1", TestKeys.signed(
                    allowedTwo.toBuilder().attributeMask(new Attributes(-1L, 0x3)).build(), OLD)), true, null, false,
                    "attributes.mask.xfrm"),
            Arguments.of("registry.example.com/team/two:1", Map.of("sgx1", TestKeys.signed(
                    allowedTwo.toBuilder().mrenclave(Hash256.sha256(new byte[] {8})).build(), OLD)), true, null, false,
                    "mrenclave"),
            // Files: matched by name; their rule has no isvprodid and no window.
            Arguments.of("file:/enclaves/App.signed.so", Map.of("block 0", signed(NEW, 5, 0, null, false)), false, null,
                    true, ""),
            // debug: deny is the default.
            Arguments.of("file:/enclaves/App.signed.so", Map.of("block 0", signed(NEW, 5, 0, null, true)), false, null,
                    false, "debug"),
            Arguments.of("file:/enclaves/App.signed.so", Map.of("block 0", signed(OLD, 5, 0, null, false)), false, null,
                    false, "signer"),
            Arguments.of("file:/enclaves/app.sigstruct", Map.of("file", good), false, null, false, "scope"),
            Arguments.of("file:/enclaves/App.signed.so", Map.of("block 0", Requests.production(1)), false, null, false,
                    "signer"));
    }

    @ParameterizedTest
    @MethodSource("verdicts")
    void eachSubjectGetsItsVerdictAndTheRuleThatDecidedIt(String subject, Map<String, Sigstruct> signatures, boolean image,
                                                          LocalDate at, boolean passes, String failedRule) throws Exception {
        PolicyCheck.Verdict v = PolicyCheck.check(policy(null), subject, signatures, image, at);
        assertEquals(passes, v.passed(), v.findings().toString());
        if (!passes) {
            assertEquals(failedRule, v.failures().get(0).rule(), v.findings().toString());
        }
        assertEquals(Policy.Mode.ENFORCE, v.mode());
    }

    @Test
    void warnModeIsCarriedToTheVerdict() throws Exception {
        PolicyCheck.Verdict v = PolicyCheck.check(policy("warn"), "oci:/x:1", Map.of(), true, null);
        assertEquals(Policy.Mode.WARN, v.mode());
        assertTrue(!v.passed());
    }

    @Test
    void mistakesInAPolicyAreNamedByTheirPath() {
        String[][] cases = {
            {"{\"version\": 2, \"scopes\": []}", "p.yaml: version: expected 1"},
            {"{\"version\": 1, \"scopes\": []}", "p.yaml: scopes: expected a non-empty list"},
            {"{\"version\": 1, \"scopes\": [{\"images\": [\"a\"], \"enclaves\": [{\"isvsvnmin\": 1}]}]}",
                "p.yaml: scopes[0].enclaves[0].isvsvnmin: unknown key"},
            {"{\"version\": 1, \"scopes\": [{\"images\": [\"a\"], \"enclaves\": [{\"isvprodid\": 70000}]}]}",
                "p.yaml: scopes[0].enclaves[0].isvprodid: expected a whole number from 0 to 65535"},
            {"{\"version\": 1, \"scopes\": [{\"images\": [\"a\"], \"enclaves\": [{\"debug\": \"maybe\"}]}]}",
                "p.yaml: scopes[0].enclaves[0].debug: expected one of deny, allow"},
            {"{\"version\": 1, \"scopes\": [{\"images\": [\"a\"], \"enclaves\": [{\"signers\": [{\"mrsigner\": \"ab\"}]}]}]}",
                "p.yaml: scopes[0].enclaves[0].signers[0].mrsigner: expected 64 hex digits"},
            {"{\"version\": 1, \"scopes\": [{\"images\": [\"a\"], \"enclaves\": [{\"signers\": [{\"mrsigner\": \""
                + "ab".repeat(32) + "\", \"notBefore\": \"2027-01-01\", \"notAfter\": \"2026-01-01\"}]}]}]}",
                "p.yaml: scopes[0].enclaves[0].signers[0]: notAfter 2026-01-01 is before notBefore 2027-01-01"},
            {"{\"version\": 1, \"scopes\": [{\"images\": [\"a\"], \"enclaves\": [{\"attributes\": {\"flags\": 4}}]}]}",
                "p.yaml: scopes[0].enclaves[0].attributes.flags: expected a 0x-prefixed hex string"},
            {"{\"version\": 1, \"scopes\": [{\"images\": [\"a\"], \"enclaves\": [{\"memoryModels\": [\"all\"]}]}]}",
                "p.yaml: scopes[0].enclaves[0].memoryModels[0]: expected sgx1 or sgx2"},
            {"{\"version\": 1, \"scopes\": [{\"images\": [\"a\"], \"enclaves\": [{}, {\"isvprodid\": 1}]}]}",
                "p.yaml: scopes[0].enclaves: a rule without isvprodid applies to every enclave"},
            {"{\"version\": 1, \"scopes\": [{\"images\": [\"a\"], \"enclaves\": [{\"isvprodid\": 1}, {\"isvprodid\": 1}]}]}",
                "p.yaml: scopes[0].enclaves: two rules for the same isvprodid"},
            {"{\"version\": 1, \"mode\": \"loud\", \"scopes\": [{\"images\": [\"a\"], \"enclaves\": [{}]}]}",
                "p.yaml: mode: expected one of enforce, warn"},
            {"{\"version\": \"1\", \"scopes\": [{\"images\": [\"a\"], \"enclaves\": [{}]}]}", "p.yaml: version: expected 1"},
            {"{\"scopes\": [{\"images\": [\"a\"], \"enclaves\": [{}]}]}",
                "p.yaml: version: expected 1 (the only policy version), got nothing"},
            {"[1]", "p.yaml: (top): expected an object"},
            {"{\"version\": 1, \"scope\": []}", "p.yaml: scope: unknown key (known here: mode, scopes, version)"},
            {"{\"version\": 1, \"scopes\": [1]}", "p.yaml: scopes[0]: expected an object"},
            {"{\"version\": 1, \"scopes\": [{\"image\": [\"a\"], \"enclaves\": [{}]}]}",
                "p.yaml: scopes[0].image: unknown key"},
            {"{\"version\": 1, \"scopes\": [{\"images\": [\"a\"], \"enclaves\": [{\"signers\": [{\"mrsigner\": \""
                + "ab".repeat(32) + "\", \"until\": \"2027-01-01\"}]}]}]}",
                "p.yaml: scopes[0].enclaves[0].signers[0].until: unknown key"},
            {"{\"version\": 1, \"scopes\": [{\"images\": [\"a\"], \"enclaves\": [{\"attributes\": {\"flag\": \"0x4\"}}]}]}",
                "p.yaml: scopes[0].enclaves[0].attributes.flag: unknown key"},
            {"{\"version\": 1, \"scopes\": [{\"images\": [\"a\"], \"enclaves\": [{\"attributes\": {\"mask\": {\"flagz\": "
                + "\"0x4\"}}}]}]}", "p.yaml: scopes[0].enclaves[0].attributes.mask.flagz: unknown key"},
            {"{\"version\": 1, \"scopes\": [{\"images\": [\"a\"], \"enclaves\": [{\"isvprodid\": 65536}]}]}",
                "p.yaml: scopes[0].enclaves[0].isvprodid: expected a whole number from 0 to 65535"},
            {"{\"version\": 1, \"scopes\": [{\"images\": [\"a\"], \"enclaves\": [{\"isvsvnMin\": -1}]}]}",
                "p.yaml: scopes[0].enclaves[0].isvsvnMin: expected a whole number from 0 to 65535"},
        };
        for (String[] c : cases) {
            SignerException e = assertThrows(SignerException.class,
                    () -> Policy.parse(new ObjectMapper().readTree(c[0]), "p.yaml"), c[0]);
            assertTrue(e.getMessage().startsWith(c[1]), e.getMessage() + "\nexpected: " + c[1]);
        }
    }

    /** docs/policy.schema.json names exactly the keys the reader accepts, object by object. */
    @Test
    void theSchemaAndTheReaderAgree() throws Exception {
        JsonNode schema = new ObjectMapper().readTree(org.enclaveos.signer.testing.Vectors.projectRoot()
                .resolve("docs/policy.schema.json").toFile());
        JsonNode scope = schema.at("/properties/scopes/items");
        JsonNode rule = scope.at("/properties/enclaves/items");
        assertEquals(Policy.TOP_KEYS, names(schema));
        assertEquals(Policy.SCOPE_KEYS, names(scope));
        assertEquals(Policy.RULE_KEYS, names(rule));
        assertEquals(Policy.SIGNER_KEYS, names(rule.at("/properties/signers/items")));
        assertEquals(Policy.ATTRIBUTE_KEYS, names(rule.at("/properties/attributes")));
        assertEquals(Policy.MASK_KEYS, names(rule.at("/properties/attributes/properties/mask")));
    }

    private static java.util.Set<String> names(JsonNode object) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        object.get("properties").fieldNames().forEachRemaining(out::add);
        return java.util.Set.copyOf(out);
    }

    /** Before signing: the key that will sign is judged (a pinned signer, the ceremony's key); none known, no verdict on it. */
    @Test
    void beforeSigningTheKeyThatWillSignIsJudged() throws Exception {
        Sigstruct unsigned = Requests.production(3).toBuilder().isvProdId(1).date(SigstructDate.of(MID_2026)).build();
        Map<String, Sigstruct> one = Map.of("sgx1", unsigned);
        String subject = "registry.example.com/team/app:1";
        PolicyCheck.Verdict nobody = PolicyCheck.beforeSigning(policy(null), subject, one, null);
        assertTrue(nobody.passed(), nobody.findings().toString());
        assertTrue(nobody.findings().stream().noneMatch(f -> f.rule().equals("signer")), nobody.findings().toString());
        PolicyCheck.Verdict old = PolicyCheck.beforeSigning(policy(null), subject, one, OLD.mrsigner());
        assertTrue(old.passed(), old.findings().toString());
        assertEquals("prod-2026 on 2026-06-01", old.findings().stream().filter(f -> f.rule().equals("signer")).findFirst()
                .orElseThrow().found());
        PolicyCheck.Verdict early = PolicyCheck.beforeSigning(policy(null), subject, one, NEW.mrsigner());
        assertEquals("signer", early.failures().get(0).rule(), "prod-2027 is not valid in 2026");
        PolicyCheck.Verdict stranger = PolicyCheck.beforeSigning(policy(null), subject, one, STRANGER.mrsigner());
        assertEquals("MRSIGNER " + STRANGER.mrsigner().hex(), stranger.failures().get(0).found());
        // Memory models are a property of the signed image, not of one request.
        assertTrue(PolicyCheck.beforeSigning(policy(null), subject, one, null).findings().stream()
                .noneMatch(f -> f.rule().equals("memoryModels")));
    }

    @Test
    void theVerdictPrintsOneRowPerRuleAndItsJson() throws Exception {
        PolicyCheck.Verdict v = PolicyCheck.check(policy(null), "registry.example.com/team/app:1",
                models(signed(OLD, 1, 2, MID_2026, false), null), true, null);
        java.io.StringWriter text = new java.io.StringWriter();
        v.printTable(new java.io.PrintWriter(text, true));
        String[] rows = text.toString().split("\n");
        assertEquals(1 + v.findings().size(), rows.length);
        assertTrue(rows[0].startsWith("WHERE    RULE         EXPECTED"), rows[0]);
        assertTrue(text.toString().contains("isvsvnMin    >= 3"), text.toString());
        assertTrue(rows[rows.length - 1].endsWith("FAIL"), rows[rows.length - 1]);
        JsonNode json = v.toJson();
        assertEquals(false, json.get("passed").asBoolean());
        assertEquals("enforce", json.get("mode").asText());
        assertEquals(v.findings().size(), json.get("findings").size());
        assertEquals("isvsvnMin", json.at("/findings/1/rule").asText());
        assertEquals(false, json.at("/findings/1/passed").asBoolean());
    }

    /** The whole list of findings for a passing image and for the exact-attributes rule: every rule reported, in order. */
    @Test
    void everyRuleIsReportedWithWhatItExpectsAndWhatWasFound() throws Exception {
        Sigstruct good = signed(OLD, 1, 3, MID_2026, false);
        PolicyCheck.Verdict v = PolicyCheck.check(policy(null), "registry.example.com/team/app:1", models(good, good), true,
                null);
        java.util.List<String> rows = v.findings().stream().map(f -> f.where() + "|" + f.rule() + "|" + f.expected() + "|"
                + f.found() + "|" + f.passed()).toList();
        java.util.List<String> model = java.util.List.of("|isvprodid|1|1|true", "|isvsvnMin|>= 3|3|true",
                "|signer|prod-2026 ... to 2027-06-30|prod-2026 on 2026-06-01|true",
                "|debug|deny (DEBUG clear and enforced)|production|true");
        java.util.List<String> expected = new java.util.ArrayList<>();
        model.forEach(r -> expected.add("sgx1" + r));
        model.forEach(r -> expected.add("sgx2" + r));
        expected.add("image|memoryModels|sgx1, sgx2 signed|sgx1, sgx2|true");
        assertEquals(expected, rows);

        Sigstruct two = TestKeys.signed(Requests.production(1).toBuilder().isvProdId(2).mrenclave(ALLOWED).build(), OLD);
        PolicyCheck.Verdict exact = PolicyCheck.check(policy(null), "registry.example.com/team/two:1", Map.of("sgx1", two),
                true, null);
        assertEquals(java.util.List.of("sgx1|isvprodid|2|2|true",
                "sgx1|attributes.flags|0x0000000000000004|0x0000000000000004|true",
                "sgx1|attributes.xfrm|0x0000000000000007|0x0000000000000007|true",
                "sgx1|attributes.mask.flags|0xffffffffffffffff|0xffffffffffffffff|true",
                "sgx1|attributes.mask.xfrm|0xffffffffffffff1f|0xffffffffffffff1f|true",
                "sgx1|mrenclave|" + ALLOWED.hex() + "|" + ALLOWED.hex() + "|true"),
                exact.findings().stream().map(f -> f.where() + "|" + f.rule() + "|" + f.expected() + "|" + f.found() + "|"
                        + f.passed()).toList());

        PolicyCheck.Verdict unknown = PolicyCheck.check(policy(null), "registry.example.com/team/app:1",
                Map.of("sgx1", signed(OLD, 9, 3, MID_2026, false)), false, null);
        assertEquals("one of [1, 2]", unknown.failures().get(0).expected());
        assertEquals("9", unknown.failures().get(0).found());
    }

    @Test
    void unnamedSignersListsAndGlobsAreShownAsTheyAre() throws Exception {
        String doc = """
            {"version": 1, "scopes": [{"images": ["registry.example.com/app:1.?"], "enclaves": [
              {"signers": [{"mrsigner": "%s", "notBefore": "2026-01-01"}], "debug": "allow",
               "mrenclave": ["%s", "%s"]}]}]}
            """.formatted(OLD.mrsigner().hex(), ALLOWED.hex(), Hash256.sha256(new byte[] {8}).hex());
        Policy p = Policy.parse(new ObjectMapper().readTree(doc), "p.json");
        Sigstruct s = TestKeys.signed(Requests.production(1).toBuilder().mrenclave(ALLOWED).build(), OLD);
        PolicyCheck.Verdict v = PolicyCheck.check(p, "docker://registry.example.com/app:1.2", Map.of("sgx1", s), false, null);
        assertTrue(v.passed(), v.findings().toString());
        String shortName = OLD.mrsigner().hex().substring(0, 16) + "...";
        assertEquals(shortName + " 2026-01-01 to ...", v.findings().get(0).expected());
        assertEquals(shortName + " on 2026-11-26", v.findings().get(0).found());
        assertEquals("one of 2 listed", v.findings().get(1).expected());
        assertTrue(!PolicyCheck.check(p, "registry.example.com/app:1.23", Map.of("sgx1", s), false, null).passed(),
                "? is one character");
        Policy unnamed = Policy.parse(new ObjectMapper().readTree(doc.replace(", \"notBefore\": \"2026-01-01\"", "")), "p.json");
        PolicyCheck.Verdict other = PolicyCheck.check(unnamed, "registry.example.com/app:1.2",
                Map.of("sgx1", TestKeys.signed(s, STRANGER)), false, null);
        assertEquals(shortName, other.failures().get(0).expected());
        PolicyCheck.Verdict plain = PolicyCheck.check(unnamed, "registry.example.com/app:1.2", Map.of("sgx1", s), false, null);
        assertEquals(shortName, plain.findings().get(0).found());
    }

    @Test
    void boundariesAndPartsLeftOutAreNotChecked() throws Exception {
        String doc = """
            {"version": 1, "scopes": [{"images": ["file:App.signed.so"], "enclaves": [
              {"isvprodid": %d, "isvsvnMin": %d, "debug": "allow", "attributes": {"xfrm": "0x7", "mask": {"flags": "0xffffffffffffffff"}}}]}]}
            """;
        Sigstruct s = Requests.production(0).toBuilder().isvProdId(0).isvSvn(65535).build();
        Policy low = Policy.parse(new ObjectMapper().readTree(doc.formatted(0, 65535)), "p.json");
        PolicyCheck.Verdict v = PolicyCheck.check(low, "file:/enclaves/App.signed.so", Map.of("file", s), false, null);
        assertTrue(v.passed(), v.findings().toString());
        assertEquals(java.util.List.of("isvprodid", "isvsvnMin", "attributes.xfrm", "attributes.mask.flags"),
                v.findings().stream().map(PolicyCheck.Finding::rule).toList(), "flags and mask.xfrm were not given");
        Policy high = Policy.parse(new ObjectMapper().readTree(doc.formatted(65535, 0)), "p.json");
        assertEquals("isvprodid", PolicyCheck.check(high, "file:/enclaves/App.signed.so", Map.of("file", s), false, null)
                .failures().get(0).rule());
    }

    /** A request's place for the policy: its target, else its source image, else its source file; a given MRENCLAVE none. */
    @Test
    void aRequestsSubjectIsItsTargetElseItsSource() {
        Sigstruct s = Requests.production(1);
        org.enclaveos.signer.request.SigningRequest.Source image = new org.enclaveos.signer.request.SigningRequest.Source(
                "image", "registry.example/app:1", "sha256:" + "ab".repeat(32), "sha256:" + "cd".repeat(32), "linux/amd64",
                null, null);
        assertEquals("registry.example/app:1-signed", PolicyCheck.subjectOf(
                Requests.request("a", org.enclaveos.signer.request.MemoryModel.SGX1, s, null)));
        assertEquals("registry.example/app:1", PolicyCheck.subjectOf(org.enclaveos.signer.request.SigningRequest.create(
                "t", "b", org.enclaveos.signer.request.MemoryModel.SGX1, image, null, null, "converter-signature", null, s,
                null)));
        assertEquals("file:/enclaves/app.sgxs", PolicyCheck.subjectOf(org.enclaveos.signer.request.SigningRequest.create(
                "t", "c", null, org.enclaveos.signer.request.SigningRequest.Source.file("sgxs", "/enclaves/app.sgxs",
                        "ef".repeat(32)), null, null, "measured-sgxs", null, s, null)));
        assertEquals("-", PolicyCheck.subjectOf(org.enclaveos.signer.request.SigningRequest.create("t", "d", null,
                org.enclaveos.signer.request.SigningRequest.Source.given(), null, null, "given", null, s, null)));
    }
}
