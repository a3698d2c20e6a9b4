package org.enclaveos.signer.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.crypto.SigstructVerifier;
import org.enclaveos.signer.crypto.Verification;
import org.enclaveos.signer.format.SigstructJson;
import org.enclaveos.signer.oe.OeEnclave;
import org.enclaveos.signer.sdk.SignedEnclave;
import org.enclaveos.signer.sgx.Hash256;

import picocli.CommandLine.Model.ArgGroupSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** {@code verify}: would a SIGSTRUCT pass EINIT (built programmatically: {@link Cli.Programmatic}). */
public class VerifyCommand implements Callable<Integer>, Cli.Programmatic {
    private final PositionalParamSpec source = CommandModel.parameter("SOURCE", "SIGSTRUCT file or *.signed.so (the "
            + "full enclaveos-signer jar also takes an image reference)");

    private final OptionSpec mrsigner = CommandModel.option(String.class, "HEX", "Require this MRSIGNER (64 hex digits).",
            "--mrsigner").build();

    private final OptionSpec publicKey = CommandModel.option(Path.class, "PEM", "Require the signer to be this public key.",
            "--public-key").build();

    private final OptionSpec json = CommandModel.flag("Print one JSON document on stdout.", "--json");

    protected final PolicyOptions policyOptions = new PolicyOptions();

    /** The model; a subclass may add to it (the full jar's image options). */
    protected final CommandSpec spec = CommandModel.command(this, "verify",
            new String[] {"Check that a SIGSTRUCT would pass EINIT (or every signature of an image).", "",
                "Checks the fixed headers, exponent 3, a 3072-bit modulus, the RSA signature over the payload, "
                    + "Q1 and Q2, reserved bytes, INIT clear, and the signer if given. Exit 0 only if every check "
                    + "holds; otherwise exit 1 and one line naming the failed check. FILE is a SIGSTRUCT or an SGX "
                    + "SDK signed enclave (every metadata block's copy is checked)."},
            "", "Example:", "  enclaveos-signer verify enclave.sigstruct --mrsigner 83d719e7...ce9e")
            .addPositional(source).addArgGroup(ArgGroupSpec.builder().exclusive(true).addArg(mrsigner).addArg(publicKey).build())
            .addOption(json).addMixin("policyOptions", policyOptions.mixin());

    private Path file;

    @Override
    public CommandSpec spec() {
        return spec;
    }

    /** SOURCE as given. */
    protected String source() {
        return source.getValue();
    }

    /** How a YAML policy is read: this jar reads JSON policies only (no YAML parser on the air-gapped host). */
    protected org.enclaveos.signer.policy.PolicyFiles.YamlReader yamlReader() {
        return null;
    }

    /** SOURCE names no file: the full jar's subclass verifies it as an image; null here (then "no such file"). */
    protected Integer notAFile(String source, Hash256 expectedSigner, org.enclaveos.signer.policy.Policy policy, boolean json,
                               PrintWriter out, PrintWriter err) {
        return null;
    }

    @Override
    public Integer call() {
        String source = source();
        boolean json = this.json.getValue();
        Hash256 expected = expectedSigner();
        org.enclaveos.signer.policy.Policy policy = policyOptions.load(yamlReader());
        file = Path.of(source);
        if (!java.nio.file.Files.exists(file)) {
            Integer image = notAFile(source, expected, policy, json, spec.commandLine().getOut(), spec.commandLine().getErr());
            if (image != null) {
                return image;
            }
        }
        List<SigstructInputs.Found> found;
        List<String> failures = new ArrayList<>();
        SigstructInputs.Kind kind = SigstructInputs.kind(file);
        if (kind == SigstructInputs.Kind.OE_ENCLAVE) {
            OeEnclave enclave = OeEnclave.read(file);
            org.enclaveos.signer.sgx.Sigstruct carried = SigstructInputs.signed(enclave);
            found = List.of(new SigstructInputs.Found(OeEnclave.SECTION, carried));
            Hash256 measured = enclave.measure(enclave.properties(), org.enclaveos.signer.measure.Measurement.DEFAULT_MAX_MEASURED_BYTES);
            if (!measured.equals(carried.mrenclave())) {
                failures.add(OeEnclave.SECTION + ": the file measures " + measured + ", its SIGSTRUCT says " + carried.mrenclave());
            }
        } else if (kind == SigstructInputs.Kind.SDK_ENCLAVE) {
            SignedEnclave enclave = SignedEnclave.read(file);
            found = SigstructInputs.of(enclave);
            // Re-measure: a valid signature over another enclave's MRENCLAVE would not launch this one.
            for (SignedEnclave.Remeasured r : enclave.remeasure(org.enclaveos.signer.measure.Measurement.DEFAULT_MAX_MEASURED_BYTES)) {
                if (!r.matches()) {
                    failures.add("metadata block " + r.block().index() + " (v" + r.block().version() + "): the file measures "
                            + r.measured() + ", its SIGSTRUCT says " + r.block().sigstruct().mrenclave());
                }
            }
        } else {
            found = List.of(new SigstructInputs.Found("SIGSTRUCT", org.enclaveos.signer.sgx.Sigstruct.read(file)));
        }
        // Only --json needs the documents: building them starts Jackson, about a fifth of a SIGSTRUCT's verify.
        ArrayNode results = json ? SigstructJson.array() : null;
        for (SigstructInputs.Found f : found) {
            Verification v = SigstructVerifier.verify(f.sigstruct());
            String prefix = found.size() > 1 ? f.label() + ": " : "";
            v.firstFailure().ifPresent(c -> failures.add(prefix + c.describe()));
            boolean signerOk = expected == null || expected.equals(f.sigstruct().mrsigner());
            if (!signerOk) {
                failures.add(prefix + "signer: MRSIGNER is " + f.sigstruct().mrsigner() + ", expected " + expected);
            }
            if (json) {
                ObjectNode o = SigstructJson.describe(f.sigstruct(), v);
                o.put("source", f.label());
                o.put("signerMatches", expected == null ? null : signerOk);
                results.add(o);
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        boolean ok = failures.isEmpty();
        org.enclaveos.signer.policy.PolicyCheck.Verdict verdict = null;
        if (policy != null) {
            java.util.Map<String, org.enclaveos.signer.sgx.Sigstruct> signed = new java.util.LinkedHashMap<>();
            found.forEach(f -> signed.put(f.label(), f.sigstruct()));
            verdict = org.enclaveos.signer.policy.PolicyCheck.check(policy, "file:" + file.toAbsolutePath().normalize(),
                    signed, false, policyOptions.atDate());
        }
        if (json) {
            ObjectNode doc = found.size() == 1 ? (ObjectNode) results.get(0) : SigstructJson.object();
            if (found.size() > 1) {
                doc.set("sigstructs", results);
            }
            doc.put("file", file.toString());
            doc.put("verified", ok);
            ArrayNode fails = doc.putArray("failures");
            failures.forEach(fails::add);
            if (verdict != null) {
                doc.set("policy", verdict.toJson());
            }
            out.print(SigstructJson.print(doc));
        } else if (ok) {
            SigstructInputs.Found first = found.get(0);
            out.println("OK " + file + ": " + (found.size() > 1 ? found.size() + " SIGSTRUCT copies" : "SIGSTRUCT")
                    + " verified, mrenclave " + first.sigstruct().mrenclave() + ", mrsigner " + first.sigstruct().mrsigner());
        }
        out.flush();
        if (!ok) {
            PrintWriter err = spec.commandLine().getErr();
            err.println(Cli.NAME + ": " + file + ": verification failed: " + String.join("; ", failures));
            err.flush();
            return ErrorKind.VERIFICATION_FAILED.exitCode();
        }
        return verdict == null ? 0 : PolicyOptions.report(verdict, policyOptions.policy(), json, out, spec.commandLine().getErr());
    }

    private Hash256 expectedSigner() {
        String hex = mrsigner.getValue();
        Path key = publicKey.getValue();
        return hex == null && key == null ? null : Signers.expected("--mrsigner", hex, key);
    }
}
