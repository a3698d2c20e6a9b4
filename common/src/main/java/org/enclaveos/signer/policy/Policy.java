package org.enclaveos.signer.policy;

import java.math.BigInteger;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.sgx.Hash256;

/**
 * A deployment policy, version 1: which enclaves may run where. One file states it for signing
 * ({@code prepare}/{@code sign-offline --policy}), for checking ({@code verify --policy}) and for
 * attestation ({@code policy export}). Read from a JSON tree (the full tool also reads YAML into one;
 * the air-gapped jar carries no YAML parser): every key is known, every value checked, and a mistake
 * is reported with its path in the file ({@code scopes[0].enclaves[1].isvsvnMin}).
 */
public record Policy(int version, Mode mode, List<Scope> scopes) {

    public enum Mode { ENFORCE, WARN }

    public enum Debug { DENY, ALLOW }

    /** Which images or files the rules apply to: globs over the reference, or "file:GLOB". */
    public record Scope(List<String> images, List<EnclaveRule> enclaves) {
    }

    /**
     * The rules for one enclave (by ISVPRODID; a rule without one applies to any). Null: not checked.
     *
     * @param memoryModels the models that must be signed (images only)
     */
    public record EnclaveRule(Integer isvProdId, Integer isvSvnMin, List<SignerRule> signers, Debug debug,
                              Set<MemoryModel> memoryModels, AttributesRule attributes, List<Hash256> mrenclave) {
    }

    /** A key allowed to sign, within its window (inclusive; null: open), judged by the SIGSTRUCT's DATE. */
    public record SignerRule(Hash256 mrsigner, String name, LocalDate notBefore, LocalDate notAfter) {
        public boolean covers(LocalDate date) {
            return (notBefore == null || !date.isBefore(notBefore)) && (notAfter == null || !date.isAfter(notAfter));
        }
    }

    /** ATTRIBUTES and ATTRIBUTEMASK exactly (a null part is not checked). */
    public record AttributesRule(Long flags, Long xfrm, Long maskFlags, Long maskXfrm) {
    }

    public static final int VERSION = 1;

    /** The keys each object may have (docs/policy.schema.json says the same; a test holds them together). */
    public static final Set<String> TOP_KEYS = Set.of("version", "mode", "scopes");
    public static final Set<String> SCOPE_KEYS = Set.of("images", "enclaves");
    public static final Set<String> RULE_KEYS = Set.of("isvprodid", "isvsvnMin", "signers", "debug", "memoryModels",
            "attributes", "mrenclave");
    public static final Set<String> SIGNER_KEYS = Set.of("mrsigner", "name", "notBefore", "notAfter");
    public static final Set<String> ATTRIBUTE_KEYS = Set.of("flags", "xfrm", "mask");
    public static final Set<String> MASK_KEYS = Set.of("flags", "xfrm");

    /** Parses a policy tree; {@code source} names the file in messages. */
    public static Policy parse(JsonNode root, String source) {
        Reader r = new Reader(source);
        r.object(root, "", TOP_KEYS);
        JsonNode v = root.get("version");
        if (v == null || !v.isInt() || v.asInt() != VERSION) {
            throw r.bad("version", "expected 1 (the only policy version), got " + (v == null ? "nothing" : v));
        }
        Mode mode = r.choice(root.get("mode"), "mode", Mode.class, Mode.ENFORCE);
        List<Scope> scopes = new ArrayList<>();
        JsonNode list = r.array(root.get("scopes"), "scopes", true);
        for (int i = 0; i < list.size(); i++) {
            String at = "scopes[" + i + "]";
            JsonNode s = list.get(i);
            r.object(s, at, SCOPE_KEYS);
            List<String> images = new ArrayList<>();
            JsonNode globs = r.array(s.get("images"), at + ".images", true);
            for (int j = 0; j < globs.size(); j++) {
                images.add(r.text(globs.get(j), at + ".images[" + j + "]"));
            }
            List<EnclaveRule> enclaves = new ArrayList<>();
            JsonNode rules = r.array(s.get("enclaves"), at + ".enclaves", true);
            for (int j = 0; j < rules.size(); j++) {
                enclaves.add(rule(r, rules.get(j), at + ".enclaves[" + j + "]"));
            }
            long unnumbered = enclaves.stream().filter(e -> e.isvProdId() == null).count();
            if (unnumbered > 0 && enclaves.size() > 1) {
                throw r.bad(at + ".enclaves", "a rule without isvprodid applies to every enclave, so it must be the "
                        + "scope's only rule");
            }
            if (enclaves.stream().map(EnclaveRule::isvProdId).distinct().count() != enclaves.size()) {
                throw r.bad(at + ".enclaves", "two rules for the same isvprodid");
            }
            scopes.add(new Scope(List.copyOf(images), List.copyOf(enclaves)));
        }
        return new Policy(VERSION, mode, List.copyOf(scopes));
    }

    private static EnclaveRule rule(Reader r, JsonNode n, String at) {
        r.object(n, at, RULE_KEYS);
        Integer prodId = r.u16(n.get("isvprodid"), at + ".isvprodid");
        Integer svnMin = r.u16(n.get("isvsvnMin"), at + ".isvsvnMin");
        List<SignerRule> signers = null;
        if (n.has("signers")) {
            signers = new ArrayList<>();
            JsonNode list = r.array(n.get("signers"), at + ".signers", true);
            for (int i = 0; i < list.size(); i++) {
                String sat = at + ".signers[" + i + "]";
                JsonNode s = list.get(i);
                r.object(s, sat, SIGNER_KEYS);
                LocalDate notBefore = r.date(s.get("notBefore"), sat + ".notBefore");
                LocalDate notAfter = r.date(s.get("notAfter"), sat + ".notAfter");
                if (notBefore != null && notAfter != null && notAfter.isBefore(notBefore)) {
                    throw r.bad(sat, "notAfter " + notAfter + " is before notBefore " + notBefore);
                }
                signers.add(new SignerRule(r.hash(s.get("mrsigner"), sat + ".mrsigner"),
                        s.has("name") ? r.text(s.get("name"), sat + ".name") : null, notBefore, notAfter));
            }
            signers = List.copyOf(signers);
        }
        Debug debug = r.choice(n.get("debug"), at + ".debug", Debug.class, Debug.DENY);
        Set<MemoryModel> models = null;
        if (n.has("memoryModels")) {
            models = EnumSet.noneOf(MemoryModel.class);
            JsonNode list = r.array(n.get("memoryModels"), at + ".memoryModels", true);
            for (int i = 0; i < list.size(); i++) {
                String m = r.text(list.get(i), at + ".memoryModels[" + i + "]");
                if (!m.equals("sgx1") && !m.equals("sgx2")) {
                    throw r.bad(at + ".memoryModels[" + i + "]", "expected sgx1 or sgx2, got '" + m + "'");
                }
                models.add(MemoryModel.fromId(m));
            }
            models = Set.copyOf(models);
        }
        AttributesRule attributes = null;
        if (n.has("attributes")) {
            JsonNode a = n.get("attributes");
            String aat = at + ".attributes";
            r.object(a, aat, ATTRIBUTE_KEYS);
            Long maskFlags = null;
            Long maskXfrm = null;
            if (a.has("mask")) {
                r.object(a.get("mask"), aat + ".mask", MASK_KEYS);
                maskFlags = r.u64(a.get("mask").get("flags"), aat + ".mask.flags");
                maskXfrm = r.u64(a.get("mask").get("xfrm"), aat + ".mask.xfrm");
            }
            attributes = new AttributesRule(r.u64(a.get("flags"), aat + ".flags"), r.u64(a.get("xfrm"), aat + ".xfrm"),
                    maskFlags, maskXfrm);
        }
        List<Hash256> mrenclave = null;
        if (n.has("mrenclave")) {
            mrenclave = new ArrayList<>();
            JsonNode list = r.array(n.get("mrenclave"), at + ".mrenclave", true);
            for (int i = 0; i < list.size(); i++) {
                mrenclave.add(r.hash(list.get(i), at + ".mrenclave[" + i + "]"));
            }
            mrenclave = List.copyOf(mrenclave);
        }
        return new EnclaveRule(prodId, svnMin, signers, debug, models, attributes, mrenclave);
    }

    /** Reads values with the path of each in its messages. */
    private record Reader(String source) {
        SignerException bad(String path, String what) {
            return SignerException.malformed(source + ": " + path + ": " + what);
        }

        void object(JsonNode n, String path, Set<String> keys) {
            if (n == null || !n.isObject()) {
                throw bad(path.isEmpty() ? "(top)" : path, "expected an object");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                String k = it.next().getKey();
                if (!keys.contains(k)) {
                    throw bad(path.isEmpty() ? k : path + "." + k, "unknown key (known here: "
                            + String.join(", ", keys.stream().sorted().toList()) + ")");
                }
            }
        }

        JsonNode array(JsonNode n, String path, boolean nonEmpty) {
            if (n == null || !n.isArray() || nonEmpty && n.isEmpty()) {
                throw bad(path, nonEmpty ? "expected a non-empty list" : "expected a list");
            }
            return n;
        }

        String text(JsonNode n, String path) {
            if (n == null || !n.isTextual() || n.asText().isBlank()) {
                throw bad(path, "expected a string");
            }
            return n.asText();
        }

        Integer u16(JsonNode n, String path) {
            if (n == null) {
                return null;
            }
            if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < 0 || n.asInt() > 0xffff) {
                throw bad(path, "expected a whole number from 0 to 65535, got " + n);
            }
            return n.asInt();
        }

        /** A u64 as a "0x..." string (a JSON number cannot carry one exactly). */
        Long u64(JsonNode n, String path) {
            if (n == null) {
                return null;
            }
            String t = n.isTextual() ? n.asText() : "";
            if (!t.matches("0x[0-9a-fA-F]{1,16}")) {
                throw bad(path, "expected a 0x-prefixed hex string of at most 16 digits, got " + n);
            }
            return new BigInteger(t.substring(2), 16).longValue();
        }

        Hash256 hash(JsonNode n, String path) {
            try {
                return Hash256.parse(path, text(n, path));
            } catch (IllegalArgumentException e) {
                throw bad(path, "expected 64 hex digits");
            }
        }

        LocalDate date(JsonNode n, String path) {
            if (n == null) {
                return null;
            }
            try {
                return LocalDate.parse(text(n, path));
            } catch (DateTimeParseException e) {
                throw bad(path, "expected a date YYYY-MM-DD, got " + n);
            }
        }

        <E extends Enum<E>> E choice(JsonNode n, String path, Class<E> type, E otherwise) {
            if (n == null) {
                return otherwise;
            }
            String t = text(n, path);
            for (E e : type.getEnumConstants()) {
                if (e.name().equalsIgnoreCase(t)) {
                    return e;
                }
            }
            throw bad(path, "expected one of " + String.join(", ", java.util.Arrays.stream(type.getEnumConstants())
                    .map(e -> e.name().toLowerCase(java.util.Locale.ROOT)).toList()) + ", got '" + t + "'");
        }
    }
}
