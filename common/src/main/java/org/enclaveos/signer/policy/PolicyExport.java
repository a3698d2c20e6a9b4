package org.enclaveos.signer.policy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.format.SigstructJson;
import org.enclaveos.signer.io.Hex;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Hash256;

/**
 * The same policy in the forms the other side of deployment reads: the canonical JSON of the policy
 * itself (what {@code policy check --json} prints, for the air-gapped jar, which reads no YAML), Intel's
 * appraisal policy for application enclaves, and Gramine RA-TLS environment lines.
 */
public final class PolicyExport {
    /** Intel's class id for an application SGX enclave policy (sgx_sign's payload generator uses it). */
    public static final String INTEL_ENCLAVE_CLASS_ID = "bef7cb8c-31aa-42c1-854c-10db005d5c41";

    private PolicyExport() {
    }

    /** The policy as canonical JSON, every default written out. */
    public static ObjectNode json(Policy p) {
        ObjectNode o = SigstructJson.object();
        o.put("version", p.version()).put("mode", p.mode().name().toLowerCase(Locale.ROOT));
        ArrayNode scopes = o.putArray("scopes");
        for (Policy.Scope s : p.scopes()) {
            ObjectNode scope = scopes.addObject();
            s.images().forEach(scope.putArray("images")::add);
            ArrayNode rules = scope.putArray("enclaves");
            for (Policy.EnclaveRule r : s.enclaves()) {
                ObjectNode n = rules.addObject();
                if (r.isvProdId() != null) {
                    n.put("isvprodid", r.isvProdId());
                }
                if (r.isvSvnMin() != null) {
                    n.put("isvsvnMin", r.isvSvnMin());
                }
                if (r.signers() != null) {
                    ArrayNode signers = n.putArray("signers");
                    for (Policy.SignerRule k : r.signers()) {
                        ObjectNode sn = signers.addObject().put("mrsigner", k.mrsigner().hex());
                        if (k.name() != null) {
                            sn.put("name", k.name());
                        }
                        if (k.notBefore() != null) {
                            sn.put("notBefore", k.notBefore().toString());
                        }
                        if (k.notAfter() != null) {
                            sn.put("notAfter", k.notAfter().toString());
                        }
                    }
                }
                n.put("debug", r.debug().name().toLowerCase(Locale.ROOT));
                if (r.memoryModels() != null) {
                    ArrayNode models = n.putArray("memoryModels");
                    r.memoryModels().stream().map(MemoryModel::id).sorted().forEach(models::add);
                }
                if (r.attributes() != null) {
                    Policy.AttributesRule a = r.attributes();
                    ObjectNode an = n.putObject("attributes");
                    putHex(an, "flags", a.flags());
                    putHex(an, "xfrm", a.xfrm());
                    if (a.maskFlags() != null || a.maskXfrm() != null) {
                        ObjectNode mask = an.putObject("mask");
                        putHex(mask, "flags", a.maskFlags());
                        putHex(mask, "xfrm", a.maskXfrm());
                    }
                }
                if (r.mrenclave() != null) {
                    r.mrenclave().forEach(h -> n.withArray("mrenclave").add(h.hex()));
                }
            }
        }
        return o;
    }

    private static void putHex(ObjectNode n, String key, Long value) {
        if (value != null) {
            n.put(key, Hex.u64(value));
        }
    }

    /**
     * Intel's appraisal policy for application enclaves: one {@code policy_array} entry per rule, signer
     * and allowed MRENCLAVE, with {@code sgx_mrsigner}, {@code sgx_isvprodid}, {@code sgx_isvsvn_min},
     * {@code sgx_attributes}/{@code sgx_attributes_mask} (16 bytes, as in a report: flags then xfrm,
     * little-endian, lower-case hex) and {@code sgx_mrenclave} where the policy states them. A rule
     * that denies debug and states no attributes requires DEBUG clear through the mask alone.
     */
    public static ObjectNode intelAppraisal(Policy p) {
        ObjectNode doc = SigstructJson.object();
        ArrayNode array = doc.putArray("policy_array");
        for (Policy.Scope s : p.scopes()) {
            for (Policy.EnclaveRule r : s.enclaves()) {
                List<Hash256> signers = r.signers() == null ? Arrays.asList((Hash256) null)
                        : r.signers().stream().map(Policy.SignerRule::mrsigner).toList();
                List<Hash256> enclaves = r.mrenclave() == null ? Arrays.asList((Hash256) null) : r.mrenclave();
                for (Hash256 signer : signers) {
                    for (Hash256 enclave : enclaves) {
                        ObjectNode entry = array.addObject();
                        entry.putObject("environment").put("class_id", INTEL_ENCLAVE_CLASS_ID)
                                .put("description", "Application SGX Enclave Policy (" + String.join(", ", s.images()) + ")");
                        ObjectNode ref = entry.putObject("reference");
                        if (signer != null) {
                            ref.put("sgx_mrsigner", signer.hex());
                        }
                        if (enclave != null) {
                            ref.put("sgx_mrenclave", enclave.hex());
                        }
                        if (r.isvProdId() != null) {
                            ref.put("sgx_isvprodid", r.isvProdId());
                        }
                        if (r.isvSvnMin() != null) {
                            ref.put("sgx_isvsvn_min", r.isvSvnMin());
                        }
                        attributes(ref, r);
                    }
                }
            }
        }
        return doc;
    }

    private static void attributes(ObjectNode ref, Policy.EnclaveRule r) {
        Policy.AttributesRule a = r.attributes();
        long flags;
        long xfrm;
        long maskFlags;
        long maskXfrm;
        if (a != null) {
            flags = a.flags() == null ? 0 : a.flags();
            xfrm = a.xfrm() == null ? 0 : a.xfrm();
            maskFlags = a.maskFlags() != null ? a.maskFlags() : a.flags() != null ? -1L : 0;
            maskXfrm = a.maskXfrm() != null ? a.maskXfrm() : a.xfrm() != null ? -1L : 0;
            if ((maskFlags & Attributes.INIT) != 0) {
                flags |= Attributes.INIT; // a report's ATTRIBUTES has INIT set (sgx_sign's generator does the same)
            }
            if (r.debug() == Policy.Debug.DENY) {
                maskFlags |= Attributes.DEBUG;
                flags &= ~Attributes.DEBUG;
            }
        } else if (r.debug() == Policy.Debug.DENY) {
            flags = 0;
            xfrm = 0;
            maskFlags = Attributes.DEBUG;
            maskXfrm = 0;
        } else {
            return;
        }
        ref.put("sgx_attributes", le(flags, xfrm));
        ref.put("sgx_attributes_mask", le(maskFlags, maskXfrm));
    }

    private static String le(long flags, long xfrm) {
        return Hex.encode(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(flags).putLong(xfrm).array());
    }

    /**
     * Gramine RA-TLS verification variables, one block per rule and signer (RA-TLS takes one value per
     * variable: run a verifier per block). RA_TLS_ISV_SVN is a minimum in RA-TLS, as isvsvnMin here.
     */
    public static String raTlsEnv(Policy p) {
        List<String> lines = new ArrayList<>();
        for (Policy.Scope s : p.scopes()) {
            for (Policy.EnclaveRule r : s.enclaves()) {
                List<Policy.SignerRule> signers = r.signers() == null ? Arrays.asList((Policy.SignerRule) null) : r.signers();
                List<Hash256> enclaves = r.mrenclave() == null ? Arrays.asList((Hash256) null) : r.mrenclave();
                for (Policy.SignerRule k : signers) {
                    for (Hash256 enclave : enclaves) {
                        if (!lines.isEmpty()) {
                            lines.add("");
                        }
                        lines.add("# " + String.join(", ", s.images()) + (r.isvProdId() == null ? "" : ", isvprodid "
                                + r.isvProdId()) + (k == null ? "" : ", signer " + (k.name() != null ? k.name()
                                : k.mrsigner().hex()) + window(k)));
                        lines.add("RA_TLS_MRSIGNER=" + (k == null ? "any" : k.mrsigner().hex()));
                        lines.add("RA_TLS_MRENCLAVE=" + (enclave == null ? "any" : enclave.hex()));
                        lines.add("RA_TLS_ISV_PROD_ID=" + (r.isvProdId() == null ? "any" : r.isvProdId()));
                        lines.add("RA_TLS_ISV_SVN=" + (r.isvSvnMin() == null ? "any" : r.isvSvnMin()));
                        if (r.debug() == Policy.Debug.ALLOW) {
                            lines.add("RA_TLS_ALLOW_DEBUG_ENCLAVE_INSECURE=1");
                        }
                    }
                }
            }
        }
        return String.join("\n", lines) + "\n";
    }

    private static String window(Policy.SignerRule k) {
        if (k.notBefore() == null && k.notAfter() == null) {
            return "";
        }
        return " (valid " + (k.notBefore() == null ? "" : "from " + k.notBefore()) + (k.notBefore() != null
                && k.notAfter() != null ? " " : "") + (k.notAfter() == null ? "" : "until " + k.notAfter()) + ")";
    }
}
