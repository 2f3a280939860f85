Attribute VB_Name = "CpxlCore"
'
' cpxl add-in: pure VBA helpers. They touch no Excel object and no Python, so LibreOffice can run them
' headless in tests/test_addin.py.
'
' Keep every VBA file of cpxl ASCII: a VBA project stores its source in the ANSI code page of the
' machine that saved it, so Chinese text would turn into question marks on another machine. Chinese
' text is written as \uXXXX escapes and decoded at run time by U().
'
Option Explicit

' The cpxl version this add-in was built from. CPXL_VERSION is a constant of module CpxlBuild, which
' cpxl.excel.addin.build() generates (together with the version of the embedded xlwings VBA module).
Public Function CpxlVersion() As String
    CpxlVersion = CPXL_VERSION
End Function

' Title of every dialog of the add-in: "Cleaner production audit".
Public Function CpxlTitle() As String
    CpxlTitle = U("\u6e05\u6d01\u751f\u4ea7\u5ba1\u6838")
End Function

' Decodes \uXXXX escapes (exactly 4 hex digits) into characters; other text passes through unchanged.
Public Function U(ByVal s As String) As String
    Dim i As Long, n As Long, code As Long, out As String
    n = Len(s)
    i = 1
    Do While i <= n
        code = -1
        If i + 5 <= n Then
            If Mid$(s, i, 2) = "\u" Then code = HexValue(Mid$(s, i + 2, 4))
        End If
        If code >= 0 Then
            out = out & ChrW(code)
            i = i + 6
        Else
            out = out & Mid$(s, i, 1)
            i = i + 1
        End If
    Loop
    U = out
End Function

' The value of a string of hex digits, or -1 if it is empty or holds anything else.
Private Function HexValue(ByVal digits As String) As Long
    Dim i As Long, d As Long, v As Long
    If Len(digits) = 0 Then
        HexValue = -1
        Exit Function
    End If
    For i = 1 To Len(digits)
        d = InStr(1, "0123456789abcdef", LCase$(Mid$(digits, i, 1)), vbBinaryCompare) - 1
        If d < 0 Then
            HexValue = -1
            Exit Function
        End If
        v = v * 16 + d
    Next i
    HexValue = v
End Function

' A Python string literal for s that uses only ASCII letters, digits and the characters " ,-./:_".
' Everything else becomes \xHH or \uXXXX, so the literal passes unchanged through cmd.exe (Windows),
' the shell behind AppleScriptTask (macOS) and the "|"-separated parameters of xlwings' RunPython.
' Characters outside the Basic Multilingual Plane arrive as surrogate pairs; cpxl.excel.xl.run joins them.
Public Function PyStr(ByVal s As String) As String
    Dim i As Long, code As Long, ch As String, out As String
    For i = 1 To Len(s)
        ch = Mid$(s, i, 1)
        code = AscW(ch)
        If code < 0 Then code = code + 65536
        If IsSafeChar(code) Then
            out = out & ch
        ElseIf code < 256 Then
            out = out & "\x" & Right$("0" & LCase$(Hex$(code)), 2)
        Else
            out = out & "\u" & Right$("000" & LCase$(Hex$(code)), 4)
        End If
    Next i
    PyStr = "'" & out & "'"
End Function

Private Function IsSafeChar(ByVal code As Long) As Boolean
    Select Case code
        Case 48 To 57, 65 To 90, 97 To 122
            IsSafeChar = True
        Case 32, 44, 45, 46, 47, 58, 95
            IsSafeChar = True
        Case Else
            IsSafeChar = False
    End Select
End Function

' The Python statement a ribbon button runs through RunPython: import cpxl.excel.xl; cpxl.excel.xl.run('<action>', ...).
' params is a ready-made Python keyword list such as  folder='...', industry='...'  (values made by PyStr).
Public Function CpxlCommand(ByVal action As String, Optional ByVal params As String = "") As String
    Dim cmd As String
    cmd = "import cpxl.excel.xl; cpxl.excel.xl.run(" & PyStr(action)
    If Len(params) > 0 Then cmd = cmd & ", " & params
    CpxlCommand = cmd & ")"
End Function

' ----------------------------------------------------------------------------------------------------
' The runner (Windows): pure helpers for module CpxlJob, run by LibreOffice in the tests like the above.
' ----------------------------------------------------------------------------------------------------

' The Python statement that starts a step in a process of its own (the runner, cpxl.excel.runner):
'   import cpxl.excel.runner as r; raise SystemExit(r.main('<job file>', '<action>', master='...'))
' params is a ready-made Python keyword list (values made by PyStr), or "".
Public Function CpxlJobCommand(ByVal jobFile As String, ByVal action As String, Optional ByVal params As String = "") As String
    Dim cmd As String
    cmd = "import cpxl.excel.runner as r; raise SystemExit(r.main(" & PyStr(jobFile) & ", " & PyStr(action)
    If Len(params) > 0 Then cmd = cmd & ", " & params
    CpxlJobCommand = cmd & "))"
End Function

' The value of key in the text of a job file (lines key=value, values \uXXXX-escaped), decoded; "" if absent.
Public Function CpxlField(ByVal jobText As String, ByVal key As String) As String
    Dim lines() As String, i As Long, prefix As String
    prefix = key & "="
    lines = Split(Replace(jobText, vbCr, ""), vbLf)
    For i = LBound(lines) To UBound(lines)
        If Left$(lines(i), Len(prefix)) = prefix Then
            CpxlField = U(Mid$(lines(i), Len(prefix) + 1))
            Exit Function
        End If
    Next i
End Function

' The label of a ribbon button (from CpxlBuild.CPXL_ACTIONS, generated from cpxl.excel.xl.ACTIONS).
Public Function CpxlLabel(ByVal action As String) As String
    CpxlLabel = U(ActionPart(action, 2))
End Function

' True if the step of this button may rewrite the master workbook (Excel must close it first).
Public Function CpxlRewrites(ByVal action As String) As Boolean
    CpxlRewrites = (ActionPart(action, 1) = "1")
End Function

' CPXL_ACTIONS is "|id=rewrites=label|id=rewrites=label|...|": part 1 is the flag, part 2 the label.
Private Function ActionPart(ByVal action As String, ByVal part As Integer) As String
    Dim p As Long, q As Long, item() As String
    p = InStr(1, CPXL_ACTIONS, "|" & action & "=", vbBinaryCompare)
    If p = 0 Then
        If part = 2 Then ActionPart = action
        Exit Function
    End If
    q = InStr(p + 1, CPXL_ACTIONS, "|", vbBinaryCompare)
    item = Split(Mid$(CPXL_ACTIONS, p + 1, q - p - 1), "=")
    ActionPart = item(part)
End Function

' The master workbook's file name (shen he zong biao .xlsx).
Public Function CpxlMasterName() As String
    CpxlMasterName = U(CPXL_MASTER_NAME)
End Function

' The status bar while a step runs: the runner's text, then "(N s, about P %)"; "starting Python" until the
' runner has written its job file.
Public Function CpxlStatusText(ByVal jobText As String, ByVal label As String, ByVal elapsedSeconds As Long) As String
    Dim shown As String, percent As String
    If CpxlField(jobText, "state") = "running" Then
        shown = CpxlField(jobText, "text")
        percent = CpxlField(jobText, "percent")
    End If
    ' "cpxl: starting Python for <label>..."
    If Len(shown) = 0 Then shown = U("cpxl\uff1a\u6b63\u5728\u542f\u52a8 Python\uff08") & label & U("\uff09\u2026\u2026")
    ' "(N s elapsed" [", about P %"] ")"
    shown = shown & U("\uff08\u5df2\u7528 ") & CStr(elapsedSeconds) & U(" \u79d2")
    If Len(percent) > 0 Then shown = shown & U("\uff0c\u7ea6 ") & percent & "%"
    CpxlStatusText = shown & U("\uff09")
End Function

' The message for a click while a step runs: "<label> is still running (N s). Please wait until it is done."
Public Function CpxlBusyText(ByVal label As String, ByVal elapsedSeconds As Long) As String
    CpxlBusyText = U("\u201c") & label & U("\u201d\u6b63\u5728\u8fdb\u884c\uff08\u5df2\u7528 ") & CStr(elapsedSeconds) _
        & U(" \u79d2\uff09\uff0c\u8bf7\u7b49\u5b83\u5b8c\u6210\u540e\u518d\u70b9\u51fb\u3002Excel \u53ef\u4ee5\u7167\u5e38\u4f7f\u7528\u3002")
End Function
