package org.enclaveos.signer.signoffline;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.crypto.VerifyingKey;
import org.enclaveos.signer.request.RequestSet;
import org.enclaveos.signer.request.RequestText;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Sigstruct;

/**
 * What a ceremony will sign: every request is judged here, before a key is used. A production
 * ceremony refuses what could launch in debug mode and the two launch privileges (PROVISIONKEY,
 * EINITTOKEN_KEY) unless {@code --allow-attribute} names them; any ceremony refuses a signer the
 * request does not pin. What is allowed but unusual comes back as a warning line for the review.
 *
 * @param allowedAttributes privileged ATTRIBUTES a production ceremony may sign ({@code --allow-attribute})
 * @param deployment        the deployment policy every request must meet ({@code --policy}), or null
 */
record CeremonyPolicy(boolean production, Set<String> allowedAttributes, org.enclaveos.signer.policy.Policy deployment) {
    CeremonyPolicy(boolean production, Set<String> allowedAttributes) {
        this(production, allowedAttributes, null);
    }

    /** The ATTRIBUTES that give an enclave a launch privilege; {@code --allow-attribute} takes these names. */
    static final Set<String> PRIVILEGED = Set.of("PROVISIONKEY", "EINITTOKEN_KEY");

    CeremonyPolicy {
        for (String a : allowedAttributes) {
            if (!PRIVILEGED.contains(a)) {
                throw new SignerException(ErrorKind.USAGE, "--allow-attribute " + a + ": expected PROVISIONKEY or "
                        + "EINITTOKEN_KEY");
            }
        }
        allowedAttributes = Set.copyOf(allowedAttributes);
    }

    /** Refuses what this ceremony must not sign; returns the review's warnings for what it may. */
    List<String> judge(RequestSet.Loaded l, VerifyingKey signer) {
        Sigstruct s = l.unsigned();
        Attributes attributes = s.attributes();
        Attributes mask = s.attributeMask();
        List<String> warnings = new ArrayList<>();
        boolean debugSet = attributes.has(Attributes.DEBUG);
        boolean debugOpen = !mask.has(Attributes.DEBUG);
        if (production && debugSet) {
            throw refuse(l, "ATTRIBUTES.DEBUG is set; a --production ceremony signs production requests only");
        }
        if (production && debugOpen) {
            throw refuse(l, "ATTRIBUTEMASK does not enforce DEBUG, so the signed enclave would also launch in debug "
                    + "mode; refused in a --production ceremony");
        }
        if (debugSet) {
            warnings.add("DEBUG set: launches in debug mode only");
        } else if (debugOpen) {
            warnings.add("ATTRIBUTEMASK leaves DEBUG open: also launches in debug mode");
        }
        privilege(l, attributes, Attributes.PROVISIONKEY, "PROVISIONKEY",
                "the enclave may derive the provisioning key (Intel's provisioning enclaves need it, others do not)",
                warnings);
        privilege(l, attributes, Attributes.EINITTOKEN_KEY, "EINITTOKEN_KEY",
                "the enclave may derive the launch-token key (a launch enclave's privilege)", warnings);
        long openFlags = attributes.flags() & ~mask.flags() & ~Attributes.DEBUG;
        long openXfrm = attributes.xfrm() & ~mask.xfrm();
        if (openFlags != 0 || openXfrm != 0) {
            warnings.add("ATTRIBUTEMASK does not enforce " + String.join(", ", names(openFlags, openXfrm))
                    + ": the enclave also launches without them");
        }
        if ("converter-signature".equals(l.request().mrenclaveSource())) {
            warnings.add("MRENCLAVE not re-measured: taken from the converter's signature as it is (the image has no "
                    + "layout label)");
        }
        if (deployment != null) {
            deployment(l, signer, warnings);
        }
        warnings.addAll(RequestText.escapedFields(l.request()));
        l.request().pinnedMrsigner().ifPresent(pinned -> {
            if (signer != null && !pinned.equals(signer.mrsigner())) {
                throw refuse(l, "the request pins signer " + pinned + ", this key is " + signer.mrsigner());
            }
        });
        return List.copyOf(warnings);
    }

    /**
     * The deployment policy, judged as attestation will judge the signed enclave: the request's target (or
     * its source) picks the scope, this ceremony's key is the signer.
     */
    private void deployment(RequestSet.Loaded l, VerifyingKey signer, List<String> warnings) {
        org.enclaveos.signer.request.SigningRequest r = l.request();
        String subject = org.enclaveos.signer.policy.PolicyCheck.subjectOf(r);
        org.enclaveos.signer.policy.PolicyCheck.Verdict v = org.enclaveos.signer.policy.PolicyCheck.beforeSigning(deployment,
                subject, java.util.Map.of(r.memoryModel() == null ? "enclave" : r.memoryModel(), l.unsigned()),
                signer == null ? null : signer.mrsigner());
        for (org.enclaveos.signer.policy.PolicyCheck.Finding f : v.failures()) {
            String what = "policy rule " + f.rule() + " for " + subject + ": expected " + f.expected() + ", found " + f.found();
            if (deployment.mode() == org.enclaveos.signer.policy.Policy.Mode.ENFORCE) {
                throw refuse(l, what + " (--policy)");
            }
            warnings.add(what + " (policy mode warn)");
        }
    }

    private void privilege(RequestSet.Loaded l, Attributes attributes, long bit, String name, String why,
                           List<String> warnings) {
        if (!attributes.has(bit)) {
            return;
        }
        if (production && !allowedAttributes.contains(name)) {
            throw refuse(l, "ATTRIBUTES." + name + " is set (" + why + "); a --production ceremony signs it only with "
                    + "--allow-attribute " + name);
        }
        warnings.add(name + " set: " + why);
    }

    private static List<String> names(long flags, long xfrm) {
        List<String> out = new ArrayList<>();
        new Attributes(flags, 0).flagNames().forEach(n -> out.add("FLAGS." + n));
        new Attributes(0, xfrm).xfrmNames().forEach(n -> out.add("XFRM." + n));
        return out;
    }

    private static SignerException refuse(RequestSet.Loaded l, String why) {
        return new SignerException(ErrorKind.POLICY, l.file() + ": " + why);
    }
}
