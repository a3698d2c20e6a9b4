package org.enclaveos.signer.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.crypto.SigstructVerifier;
import org.enclaveos.signer.crypto.Verification;
import org.enclaveos.signer.format.SigstructFields;
import org.enclaveos.signer.format.SigstructJson;
import org.enclaveos.signer.io.TerminalText;
import org.enclaveos.signer.oe.OeEnclave;
import org.enclaveos.signer.sdk.SignedEnclave;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.sgx.SigstructField;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** {@code inspect}: every field of a SIGSTRUCT, decoded (built programmatically: {@link Cli.Programmatic}). */
public class InspectCommand implements Callable<Integer>, Cli.Programmatic {
    private final PositionalParamSpec source = CommandModel.parameter("SOURCE", "SIGSTRUCT file or *.signed.so (the "
            + "full enclaveos-signer jar also takes an image reference)");

    private final OptionSpec json = CommandModel.flag("Print one JSON document on stdout.", "--json");

    /** The model; a subclass may add to it (the full jar's image options). */
    protected final CommandSpec spec = CommandModel.command(this, "inspect",
            new String[] {"Show every field of a SIGSTRUCT, decoded.", "",
                "Also MRSIGNER, the SHA-256 of the signed payload and whether the signature and Q1/Q2 are valid. "
                    + "FILE is a 1808-byte SIGSTRUCT or an Intel SGX SDK signed enclave (*.signed.so), whose "
                    + "SIGSTRUCT is read from its .note.sgxmeta metadata."},
            "", "Example:", "  enclaveos-signer inspect enclave.signed.so --json | jq .mrenclave")
            .addPositional(source).addOption(json);

    private Path file;

    @Override
    public CommandSpec spec() {
        return spec;
    }

    /** SOURCE names no file: the full jar's subclass inspects it as an image; null here (then "no such file"). */
    protected Integer notAFile(String source, boolean json, PrintWriter out, PrintWriter err) {
        return null;
    }

    @Override
    public Integer call() {
        String source = this.source.getValue();
        boolean json = this.json.getValue();
        file = Path.of(source);
        if (!java.nio.file.Files.exists(file)) {
            Integer image = notAFile(source, json, spec.commandLine().getOut(), spec.commandLine().getErr());
            if (image != null) {
                return image;
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        SigstructInputs.Kind kind = SigstructInputs.kind(file);
        if (kind == SigstructInputs.Kind.OE_ENCLAVE) {
            OeEnclave enclave = OeEnclave.read(file);
            java.util.Optional<Sigstruct> s = enclave.sigstruct();
            java.util.Optional<Verification> v = s.map(SigstructVerifier::verify);
            if (json) {
                ObjectNode o = s.isPresent() ? SigstructJson.describe(s.get(), v.get()) : SigstructJson.object();
                o.put("file", file.toString());
                o.put("kind", "open-enclave");
                o.put("signed", s.isPresent());
                o.set("properties", OeReport.properties(enclave.properties()));
                out.print(SigstructJson.print(o));
            } else {
                row(out, "file", file.toString());
                OeReport.rows(out, enclave, enclave.properties());
                if (s.isPresent()) {
                    text(out, s.get(), v.get());
                }
            }
            out.flush();
            return 0;
        }
        if (kind == SigstructInputs.Kind.SDK_ENCLAVE) {
            SignedEnclave enclave = SignedEnclave.read(file);
            Sigstruct s = enclave.sigstruct();
            Verification v = SigstructVerifier.verify(s);
            if (json) {
                ObjectNode o = SigstructJson.describe(s, v);
                o.put("file", file.toString());
                o.put("kind", "sgx-sdk-enclave");
                o.put("sigstructsAgree", enclave.sigstructsAgree());
                ArrayNode blocks = o.putArray("metadataBlocks");
                for (SignedEnclave.MetadataBlock b : enclave.blocks()) {
                    blocks.addObject().put("version", b.version()).put("fileOffset", b.fileOffset())
                            .put("size", b.size()).put("sigstructFileOffset", b.sigstructFileOffset())
                            .put("mrenclave", b.sigstruct().mrenclave().hex());
                }
                out.print(SigstructJson.print(o));
            } else {
                row(out, "file", file.toString());
                row(out, "kind", "Intel SGX SDK signed enclave, " + enclave.blocks().size() + " metadata block(s)");
                for (SignedEnclave.MetadataBlock b : enclave.blocks()) {
                    row(out, "block " + b.index(), "version " + b.version() + ", size " + b.size()
                            + ", SIGSTRUCT at file offset " + b.sigstructFileOffset());
                }
                row(out, "sigstructs", enclave.sigstructsAgree() ? "all blocks carry the same SIGSTRUCT"
                        : "blocks carry DIFFERENT SIGSTRUCTs; showing block 0");
                text(out, s, v);
            }
        } else {
            Sigstruct s = Sigstruct.read(file);
            Verification v = SigstructVerifier.verify(s);
            if (json) {
                ObjectNode o = SigstructJson.describe(s, v);
                o.put("file", file.toString());
                o.put("kind", "sigstruct");
                out.print(SigstructJson.print(o));
            } else {
                row(out, "file", file.toString());
                row(out, "kind", "SIGSTRUCT (" + Sigstruct.SIZE + " bytes)");
                text(out, s, v);
            }
        }
        out.flush();
        return 0;
    }

    private static void text(PrintWriter out, Sigstruct s, Verification v) {
        for (SigstructField f : SigstructField.values()) {
            row(out, f.name(), SigstructFields.decode(s, f, true));
        }
        row(out, "MRENCLAVE", s.mrenclave().hex());
        row(out, "MRSIGNER", s.isSigned() ? s.mrsigner().hex() : "(unsigned)");
        row(out, "payload sha256", s.signingPayloadSha256().hex());
        row(out, "debug", debugText(s));
        row(out, "signature", v.signatureValid() ? "valid" : "INVALID");
        row(out, "q1/q2", v.q1q2Valid() ? "valid" : "INVALID");
        v.firstFailure().ifPresent(c -> row(out, "first failure", c.describe()));
    }

    static String debugText(Sigstruct s) {
        if (s.attributes().has(org.enclaveos.signer.sgx.Attributes.DEBUG)) {
            return "yes (ATTRIBUTES.DEBUG is set)";
        }
        if (s.debug()) {
            return "yes (ATTRIBUTEMASK does not enforce DEBUG, so it also launches in debug mode)";
        }
        return "no (production: DEBUG clear and enforced by ATTRIBUTEMASK)";
    }

    /** One line of inspect's report: the name in a 20-character column, then the value. */
    public static void row(PrintWriter out, String name, String value) {
        out.println(TerminalText.padRight(name, 20) + " " + value);
    }
}
