/*
 * Moat starter rules: UNC4841 / CVE-2023-2868 exploit and implant artefacts
 * (see /work/shared/THREAT.md for the sources). Generic strings and structure,
 * no file hashes. Every rule carries meta score (added to the message score),
 * severity (info|low|medium|high|critical) and description; the engine reports
 * a hit as YARA_<RULE_NAME_UPPER>. Rule names are part of the symbol: renaming
 * a rule renames its finding, so policy overrides must follow.
 */

rule UNC4841_Tar_Member_Name_Shell_Injection : unc4841 cve_2023_2868 exploit
{
  meta:
    score = 40
    severity = "critical"
    description = "tar archive whose first member name carries shell syntax (CVE-2023-2868 qx{} injection)"
  strings:
    $backtick = "`"
    $subst = "$("
    $cmd = /[;|&][ \t_]*(echo|sh|bash|wget|curl|cat|base64|openssl|setsid|mkfifo|chmod|python|perl)[ \t_]/
  condition:
    // ustar magic at 257: the tar header, whatever the file is called.
    uint32be(257) == 0x75737461 and
    ($backtick in (0..99) or $subst in (0..99) or $cmd in (0..99))
}

rule UNC4841_Base64_Pipe_Shell : unc4841 cve_2023_2868 exploit
{
  meta:
    score = 40
    severity = "critical"
    description = "base64 blob decoded and piped to a shell, or the split 'ba'+'se64' keyword trick"
  strings:
    $pipe = /base64[ \t_]+(-d|--decode)[ \t_]*(-i[ \t_]*)?\|[ \t_]*(ba)?sh\b/
    $split1 = "=;ee=ba;G=s;"
    $split2 = /\$\{ee\}se64/
    $echo = /echo[ \t_]+(-n[ \t_]+)?\$[A-Za-z_][A-Za-z0-9_]*[ \t_]*\|[ \t_]*(\$\{?[A-Za-z]+\}?|base64)/
    $staged = "cat /var/tmp/r | base64 -d -i | tar"
    $staged_b64 = "cat /var/tmp/r | base64 -d -i | tar" base64
  condition:
    any of ($split*) or $staged or $staged_b64 or ($pipe and $echo)
}

rule UNC4841_Fifo_Reverse_Shell : unc4841 reverse_shell
{
  meta:
    score = 30
    severity = "high"
    description = "named-pipe reverse shell (mkfifo /tmp/..., sh -i, openssl s_client -quiet -connect)"
  strings:
    $fifo = /mkfifo[ \t]+\/tmp\/[A-Za-z0-9_.]{1,16}/
    $shi = /sh[ \t]+-i[ \t]*<[ \t]*\/tmp\/[A-Za-z0-9_.]{1,16}/
    $ssl = /openssl[ \t]+s_client[ \t]+-quiet[ \t]+-connect/
    $b64_fifo = "mkfifo /tmp/" base64
    $b64_ssl = "openssl s_client -quiet -connect" base64
  condition:
    ($fifo and ($shi or $ssl)) or ($ssl and $shi) or any of ($b64_*)
}

rule UNC4841_Wget_Tar_From_IP : unc4841 dropper
{
  meta:
    score = 25
    severity = "high"
    description = "download of a tar package from a bare IP without certificate checks, then chmod +x"
  strings:
    $wget = /wget[ \t]+--no-check-certificate[ \t]+https?:\/\/[0-9]{1,3}(\.[0-9]{1,3}){3}/
    $chmod = /\.tar[ \t]*;[ \t]*chmod[ \t]+\+x/
  condition:
    $wget and $chmod
}

rule UNC4841_SEASPY_Backdoor : unc4841 implant seaspy
{
  meta:
    score = 50
    severity = "critical"
    description = "SEASPY passive backdoor artefacts (BarracudaMailService service disguise)"
  strings:
    $svc = "BarracudaMailService"
    $alias1 = "resize2fstab"
    $alias2 = "resize_reisertab"
    $launch = /setsid[ \t]+sh[ \t]+-c[ \t]+"?\/sbin\/BarracudaMailService/
  condition:
    $launch or (uint32(0) == 0x464c457f and ($svc or any of ($alias*)))
}

rule UNC4841_SALTWATER_Module : unc4841 implant saltwater
{
  meta:
    score = 50
    severity = "critical"
    description = "SALTWATER-style trojanised bsmtpd module: ELF shared object hooking socket calls (funchook, mod_udp)"
  strings:
    $mod = "mod_udp"
    $hook = "funchook"
    $bsmtpd = "bsmtpd"
  condition:
    uint32(0) == 0x464c457f and $hook and ($mod or $bsmtpd)
}

rule UNC4841_SEASIDE_Lua_Module : unc4841 implant seaside
{
  meta:
    score = 50
    severity = "critical"
    description = "SEASIDE-style Lua bsmtpd module taking a C2 address from HELO and spawning a shell"
  strings:
    $helo = "on_helo"
    $onion = ".onion"
    $exec = /(os\.execute|io\.popen)[ \t]*\(/
  condition:
    all of them
}

rule UNC4841_SUBMARINE_Artefacts : unc4841 implant submarine
{
  meta:
    score = 50
    severity = "critical"
    description = "SUBMARINE/DEPTHCHARGE artefacts (LD_PRELOAD launcher, SMTP banner C2)"
  strings:
    $preload = "LD_PRELOAD=/boot/os_tools/libutil.so"
    $banner = "250-mail2.eccentric.duck"
  condition:
    any of them
}

rule UNC4841_Mailstore_Theft : unc4841 exfiltration
{
  meta:
    score = 30
    severity = "high"
    description = "scripted theft from the appliance mail store (/mail/mstore lists and archives)"
  strings:
    $tarlist = /tar[ \t]+-T[ \t]+\/mail\/mstore\//
    $xargs = /\/mail\/mstore[^\n]{0,80}xargs[ \t]+-i[ \t]+cp/
  condition:
    any of them
}

rule UNC4841_Python_Pty_Spawn : unc4841 post_exploitation
{
  meta:
    score = 15
    severity = "medium"
    description = "python -c one-liner spawning a pty shell"
  strings:
    $pty = /python[0-9.]*[ \t]+-c[ \t]+['"]?import[ \t]+pty[ \t]*;[ \t]*pty\.spawn\(/
  condition:
    $pty
}
