package org.enclaveos.signer.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.format.SigstructJson;
import org.enclaveos.signer.measure.Sgxs;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "measure", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Compute the MRENCLAVE of an enclave layout.", "",
            "FILE is an SGXS stream (Fortanix format): the SHA-256 the CPU computes over ECREATE, EADD and "
                + "EEXTEND. The stream is checked to be canonical; UNMEASRD records are skipped. Memory stays "
                + "constant, so multi-gigabyte streams are fine. FILE '-' reads stdin."},
        footer = {"", "Example:", "  enclaveos-signer measure enclave.sgxs --json | jq -r .mrenclave"})
public final class MeasureCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "SGXS stream, or - for stdin")
    Path file;

    @Option(names = "--json", description = "Print one JSON document on stdout.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Sgxs.Result r;
        if (file.toString().equals("-")) {
            try {
                r = Sgxs.measure(System.in);
            } catch (SignerException e) {
                throw e.in("stdin");
            }
        } else {
            SigstructInputs.requireFile(file);
            if (SigstructInputs.isEnclave(file)) {
                throw new SignerException(ErrorKind.UNSUPPORTED, file + ": an SGX SDK enclave (ELF); measuring these "
                        + "is not supported yet; 'inspect' shows the MRENCLAVE its SIGSTRUCT claims");
            }
            r = Sgxs.measure(file);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = SigstructJson.MAPPER.createObjectNode();
            o.put("file", file.toString());
            o.put("kind", "sgxs");
            o.put("mrenclave", r.mrenclave().hex());
            o.put("enclaveSize", r.enclaveSize());
            o.put("ssaFrameSize", r.ssaFrameSize());
            o.put("pages", r.pages());
            o.put("measuredChunks", r.measuredChunks());
            o.put("unmeasuredChunks", r.unmeasuredChunks());
            out.print(SigstructJson.print(o));
        } else {
            out.println(r.mrenclave().hex() + "  " + file);
            spec.commandLine().getErr().printf("enclave size 0x%x, SSA frame %d page(s), %d pages, %d measured "
                    + "and %d unmeasured chunks%n", r.enclaveSize(), r.ssaFrameSize(), r.pages(), r.measuredChunks(),
                    r.unmeasuredChunks());
        }
        out.flush();
        return 0;
    }
}
