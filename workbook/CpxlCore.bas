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
