package org.enclaveos.signer.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.crypto.Verification;
import org.enclaveos.signer.io.Hex;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.sgx.SigstructField;

/**
 * The JSON form of a SIGSTRUCT that {@code inspect}, {@code verify} and the request files share.
 * Digests are lower-case hex; 32- and 64-bit masks are 0x-prefixed hex strings (a JSON number cannot
 * hold a u64 exactly in most readers); small counters are numbers.
 */
public final class SigstructJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private SigstructJson() {
    }

    /**
     * What inspect and verify print: the scripting-contract keys, then {@code fields} with every field of
     * the table. Today the same as the request's {@link #wireV1}; the display may grow, the wire may not.
     */
    public static ObjectNode describe(Sigstruct s) {
        return wireV1(s);
    }

    /**
     * The {@code sigstruct} object of a v1 request file, checked against the unsigned bytes when a
     * request is loaded. Frozen: requests written by any v1 tool must keep verifying, so a change here
     * is a new request schema, never an edit (WireFormatV1Test holds requests written by this version).
     */
    public static ObjectNode wireV1(Sigstruct s) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("mrenclave", s.mrenclave().hex());
        o.put("mrsigner", s.isSigned() ? s.mrsigner().hex() : null);
        o.put("signingPayloadSha256", s.signingPayloadSha256().hex());
        o.put("isvProdId", s.isvProdId());
        o.put("isvSvn", s.isvSvn());
        o.put("vendor", s.vendor());
        o.put("date", s.date().iso());
        o.put("dateEncoding", s.date().encoding().name().toLowerCase().replace('_', '-'));
        o.put("debug", s.debug());
        o.set("attributes", attributes(s.attributes()));
        o.set("attributeMask", attributes(s.attributeMask()));
        o.put("miscSelect", Hex.u32(s.miscSelect()));
        o.put("miscMask", Hex.u32(s.miscMask()));
        o.put("swDefined", s.swDefined());
        o.put("isvFamilyId", Hex.encode(s.isvFamilyId()));
        o.put("isvExtProdId", Hex.encode(s.isvExtProdId()));
        ObjectNode fields = o.putObject("fields");
        for (SigstructField f : SigstructField.values()) {
            fields.put(f.name(), SigstructFields.decode(s, f, false));
        }
        return o;
    }

    /** {@link #describe} plus the {@code signature} object with the verification outcome. */
    public static ObjectNode describe(Sigstruct s, Verification v) {
        ObjectNode o = describe(s);
        o.set("signature", signature(s, v));
        return o;
    }

    public static ObjectNode signature(Sigstruct s, Verification v) {
        ObjectNode sig = MAPPER.createObjectNode();
        sig.put("valid", v.signatureValid());
        sig.put("q1q2Valid", v.q1q2Valid());
        sig.put("exponent", s.exponent());
        sig.put("modulusBits", org.enclaveos.signer.crypto.Rsa.fromLittleEndian(s.modulusLittleEndian()).bitLength());
        ArrayNode checks = sig.putArray("checks");
        for (Verification.Check c : v.checks()) {
            checks.addObject().put("check", c.name().name().toLowerCase().replace('_', '-'))
                    .put("passed", c.passed()).put("detail", c.detail());
        }
        return sig;
    }

    public static ObjectNode attributes(Attributes a) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("flags", Hex.u64(a.flags()));
        o.put("xfrm", Hex.u64(a.xfrm()));
        ArrayNode names = o.putArray("flagNames");
        a.flagNames().forEach(names::add);
        ArrayNode xfrm = o.putArray("xfrmNames");
        a.xfrmNames().forEach(xfrm::add);
        return o;
    }

    /** Pretty-printed, one document, trailing newline: what commands print with --json. */
    public static String print(JsonNode node) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * One line, no trailing newline (an error document). Not {@code JsonNode.toString()}: that goes
     * through a mapper of Jackson's own whose reader the air-gapped jar leaves out.
     */
    public static String compact(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A new empty JSON object for a command's output document. */
    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** A new empty JSON array. */
    public static com.fasterxml.jackson.databind.node.ArrayNode array() {
        return MAPPER.createArrayNode();
    }

    /** One JSON value parsed from text (lenient settings: for input lines, not for request files). */
    public static com.fasterxml.jackson.databind.JsonNode readTree(String text) throws java.io.IOException {
        return MAPPER.readTree(text);
    }
}
