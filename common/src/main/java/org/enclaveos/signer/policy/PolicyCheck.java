package org.enclaveos.signer.policy;

import java.io.PrintWriter;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.format.SigstructJson;
import org.enclaveos.signer.io.Hex;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.sgx.Sigstruct;

/**
 * Evaluates a {@link Policy} against the SIGSTRUCTs of one image or file: every rule that applies is
 * reported with what it expects and what was found, passed or not, so a failure says which rule and
 * why. The same evaluation serves verify, prepare and sign-offline.
 */
public final class PolicyCheck {
    private PolicyCheck() {
    }

    /** One rule applied to one SIGSTRUCT (or to the subject, for scope and memory models). */
    public record Finding(String where, String rule, String expected, String found, boolean passed) {
    }

    /** All findings; {@link #passed} only if every one did. */
    public record Verdict(Policy.Mode mode, String subject, List<Finding> findings) {
        public Verdict {
            findings = List.copyOf(findings);
        }

        public boolean passed() {
            return findings.stream().allMatch(Finding::passed);
        }

        public List<Finding> failures() {
            return findings.stream().filter(f -> !f.passed()).toList();
        }

        /** WHERE, RULE, EXPECTED, FOUND, RESULT: one line a finding. */
        public void printTable(PrintWriter out) {
            out.printf("%-8s %-12s %-40s %-40s %s%n", "WHERE", "RULE", "EXPECTED", "FOUND", "RESULT");
            for (Finding f : findings) {
                out.printf("%-8s %-12s %-40s %-40s %s%n", f.where(), f.rule(), f.expected(), f.found(),
                        f.passed() ? "pass" : "FAIL");
            }
        }

        public ObjectNode toJson() {
            ObjectNode o = SigstructJson.object();
            o.put("subject", subject).put("mode", mode.name().toLowerCase(java.util.Locale.ROOT)).put("passed", passed());
            ArrayNode list = o.putArray("findings");
            for (Finding f : findings) {
                list.addObject().put("where", f.where()).put("rule", f.rule()).put("expected", f.expected())
                        .put("found", f.found()).put("passed", f.passed());
            }
            return o;
        }
    }

    /**
     * @param subject    an image reference (docker://, oci:, docker-archive:, or bare) or "file:PATH"
     * @param signatures the SIGSTRUCTs found, by where they were found (a memory model's id, or a label)
     * @param image      whether the subject is an image (then memoryModels rules apply)
     * @param at         the date signer windows are judged at; null: each SIGSTRUCT's own DATE
     */
    public static Verdict check(Policy policy, String subject, Map<String, Sigstruct> signatures, boolean image,
                                LocalDate at) {
        return evaluate(policy, subject, signatures, image, at, false, null);
    }

    /**
     * Before signing (prepare, sign-offline): the SIGSTRUCTs are unsigned, so the signer rule judges
     * {@code signer} instead (the pinned signer, or the ceremony's key); with none it is skipped.
     */
    public static Verdict beforeSigning(Policy policy, String subject, Map<String, Sigstruct> unsigned,
                                        org.enclaveos.signer.sgx.Hash256 signer) {
        return evaluate(policy, subject, unsigned, false, null, true, signer);
    }

    private static Verdict evaluate(Policy policy, String subject, Map<String, Sigstruct> signatures, boolean image,
                                    LocalDate at, boolean beforeSigning, org.enclaveos.signer.sgx.Hash256 signer) {
        List<Finding> findings = new ArrayList<>();
        Optional<Policy.Scope> scope = scopeOf(policy, subject);
        if (scope.isEmpty()) {
            findings.add(new Finding("-", "scope", "a scope whose images match", subject, false));
            return new Verdict(policy.mode(), subject, findings);
        }
        for (Map.Entry<String, Sigstruct> e : signatures.entrySet()) {
            Sigstruct s = e.getValue();
            Optional<Policy.EnclaveRule> rule = scope.get().enclaves().stream()
                    .filter(r -> r.isvProdId() == null || r.isvProdId() == s.isvProdId()).findFirst();
            if (rule.isEmpty()) {
                findings.add(new Finding(e.getKey(), "isvprodid", "one of " + scope.get().enclaves().stream()
                        .map(r -> Integer.toString(r.isvProdId())).toList(), Integer.toString(s.isvProdId()), false));
                continue;
            }
            findings.addAll(apply(rule.get(), e.getKey(), s, at, beforeSigning, signer));
        }
        if (image) {
            for (Policy.EnclaveRule r : scope.get().enclaves()) {
                List<String> signed = signatures.entrySet().stream()
                        .filter(e -> r.isvProdId() == null || e.getValue().isvProdId() == r.isvProdId())
                        .map(Map.Entry::getKey).sorted().toList();
                // A rule for an enclave this image does not carry says nothing about the image's models.
                if (r.memoryModels() != null && !signed.isEmpty()) {
                    List<String> required = r.memoryModels().stream().map(MemoryModel::id).sorted().toList();
                    findings.add(new Finding("image", "memoryModels", String.join(", ", required) + " signed",
                            signed.isEmpty() ? "none" : String.join(", ", signed), signed.containsAll(required)));
                }
            }
        }
        return new Verdict(policy.mode(), subject, findings);
    }

    private static List<Finding> apply(Policy.EnclaveRule r, String where, Sigstruct s, LocalDate at,
                                       boolean beforeSigning, org.enclaveos.signer.sgx.Hash256 signer) {
        List<Finding> out = new ArrayList<>();
        if (r.isvProdId() != null) {
            out.add(new Finding(where, "isvprodid", Integer.toString(r.isvProdId()), Integer.toString(s.isvProdId()), true));
        }
        if (r.isvSvnMin() != null) {
            out.add(new Finding(where, "isvsvnMin", ">= " + r.isvSvnMin(), Integer.toString(s.isvSvn()),
                    s.isvSvn() >= r.isvSvnMin()));
        }
        if (r.signers() != null) {
            if (beforeSigning) {
                // Not signed yet: judge the key that will sign, when it is known (a pinned signer, the ceremony's key).
                if (signer != null) {
                    out.add(signer(r, where, s, at, signer));
                }
            } else if (!s.isSigned()) {
                out.add(new Finding(where, "signer", "a listed key", "not signed", false));
            } else {
                out.add(signer(r, where, s, at, s.mrsigner()));
            }
        }
        if (r.debug() == Policy.Debug.DENY) {
            out.add(new Finding(where, "debug", "deny (DEBUG clear and enforced)", s.debug() ? "debug" : "production",
                    !s.debug()));
        }
        if (r.attributes() != null) {
            Policy.AttributesRule a = r.attributes();
            attribute(out, where, "flags", a.flags(), s.attributes().flags());
            attribute(out, where, "xfrm", a.xfrm(), s.attributes().xfrm());
            attribute(out, where, "mask.flags", a.maskFlags(), s.attributeMask().flags());
            attribute(out, where, "mask.xfrm", a.maskXfrm(), s.attributeMask().xfrm());
        }
        if (r.mrenclave() != null) {
            out.add(new Finding(where, "mrenclave", r.mrenclave().size() == 1 ? r.mrenclave().get(0).hex()
                    : "one of " + r.mrenclave().size() + " listed", s.mrenclave().hex(), r.mrenclave().contains(s.mrenclave())));
        }
        return out;
    }

    private static Finding signer(Policy.EnclaveRule r, String where, Sigstruct s, LocalDate at,
                                  org.enclaveos.signer.sgx.Hash256 mrsigner) {
        String expected = String.join(", ", r.signers().stream().map(k -> k.name() != null ? k.name()
                : k.mrsigner().hex().substring(0, 16) + "...").toList());
        List<Policy.SignerRule> keys = r.signers().stream().filter(k -> k.mrsigner().equals(mrsigner)).toList();
        if (keys.isEmpty()) {
            return new Finding(where, "signer", expected, "MRSIGNER " + mrsigner.hex(), false);
        }
        Policy.SignerRule key = keys.get(0);
        String name = key.name() != null ? key.name() : mrsigner.hex().substring(0, 16) + "...";
        if (key.notBefore() == null && key.notAfter() == null) {
            return new Finding(where, "signer", expected, name, true);
        }
        LocalDate date = at != null ? at : s.date().date();
        if (date == null) {
            return new Finding(where, "signer", name + " " + window(key), name + ", no DATE (give --at)", false);
        }
        return new Finding(where, "signer", name + " " + window(key), name + " on " + date, key.covers(date));
    }

    private static String window(Policy.SignerRule k) {
        return (k.notBefore() == null ? "..." : k.notBefore().toString()) + " to "
                + (k.notAfter() == null ? "..." : k.notAfter().toString());
    }

    private static void attribute(List<Finding> out, String where, String name, Long expected, long found) {
        if (expected != null) {
            out.add(new Finding(where, "attributes." + name, Hex.u64(expected), Hex.u64(found), expected == found));
        }
    }

    /**
     * Where a request's enclave will run, as a policy's scopes name it: its target, else its source image,
     * else "file:" and its source file; a given MRENCLAVE has no place ("-", which no scope matches).
     */
    public static String subjectOf(org.enclaveos.signer.request.SigningRequest r) {
        return r.target() != null ? r.target() : r.source().reference() != null ? r.source().reference()
                : r.source().file() != null ? "file:" + r.source().file() : "-";
    }

    /** The first scope one of whose globs matches the subject ("*" any characters, "?" one). */
    static Optional<Policy.Scope> scopeOf(Policy policy, String subject) {
        String bare = subject.startsWith("docker://") ? subject.substring("docker://".length()) : subject;
        String name = subject.startsWith("file:") ? "file:" + java.nio.file.Path.of(subject.substring(5)).getFileName() : null;
        for (Policy.Scope s : policy.scopes()) {
            for (String glob : s.images()) {
                Pattern p = glob(glob);
                if (p.matcher(subject).matches() || p.matcher(bare).matches() || name != null && p.matcher(name).matches()) {
                    return Optional.of(s);
                }
            }
        }
        return Optional.empty();
    }

    private static Pattern glob(String glob) {
        StringBuilder re = new StringBuilder();
        for (char c : glob.toCharArray()) {
            re.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(re.toString());
    }
}
