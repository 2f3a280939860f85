Attribute VB_Name = "CpxlJob"
'
' Runs a ribbon step without freezing Excel (Windows). See cpxl/excel/runner.py for the other side.
'
' CpxlStart saves the master workbook (and closes it if the step may rewrite it), starts Python with
' WScript.Shell.Exec - which returns at once - and schedules CpxlJobPoll with Application.OnTime. Every
' second CpxlJobPoll reads the job file the runner writes and shows its progress in the status bar; when
' the step is over it reopens the master, writes its status cell, opens a folder if asked and shows the
' outcome. While a step runs, another click is refused with a message; Excel stays usable throughout.
'
' The interpreter comes from cpxl.conf like xlwings' RunPython (GetConfig of module xlwings); pythonw.exe
' beside a configured python.exe is preferred, so that no console window appears. Unicode-safe calls
' only: FileSystemObject for files, WScript.Shell for processes and message boxes, the Excel object model
' for workbooks (VBA's Open, Shell and MsgBox use the ANSI code page). ASCII only: see CpxlCore.
'
Option Explicit

Private mJob As String         ' the job file of the running step; "" when none runs
Private mAction As String      ' its button id
Private mStarted As Date       ' when it was started
Private mClosed As String      ' the master workbook closed before the step (reopened after it)
Private mExec As Object        ' the Python process (WshScriptExec)

' True (and says so) if a step is running. On the Mac steps run through RunPython and never overlap.
Public Function CpxlRefuseIfBusy() As Boolean
    If Len(mJob) = 0 Then Exit Function
    Popup CpxlBusyText(CpxlLabel(mAction), ElapsedSeconds()), False
    CpxlRefuseIfBusy = True
End Function

' Starts the step of button action for the active workbook (params: a Python keyword list, or "").
Public Sub CpxlStart(ByVal action As String, Optional ByVal params As String = "")
    Dim wb As Workbook, master As String, interpreter As String, cmd As String, jobFolder As String
    If CpxlRefuseIfBusy() Then Exit Sub
    mClosed = ""
    If action <> "init" Then
        Set wb = ActiveWorkbook
        If wb Is Nothing Then
            ' "Open the master workbook first, then click this button."
            Popup U("\u8bf7\u5148\u6253\u5f00\u5ba1\u6838\u603b\u8868\uff08") & CpxlMasterName() & U("\uff09\uff0c\u518d\u70b9\u51fb\u6b64\u6309\u94ae\u3002"), False
            Exit Sub
        End If
        If StrComp(wb.Name, CpxlMasterName(), vbTextCompare) = 0 And Len(wb.Path) > 0 Then
            If wb.ReadOnly Then
                ' "The master workbook is open read-only (perhaps open elsewhere): close it there first."
                Popup U("\u5ba1\u6838\u603b\u8868\u4ee5\u53ea\u8bfb\u65b9\u5f0f\u6253\u5f00\uff08\u53ef\u80fd\u5df2\u5728\u522b\u5904\u6253\u5f00\uff09\uff0c\u8bf7\u5148\u5728\u522b\u5904\u5173\u95ed\uff0c\u518d\u91cd\u65b0\u6253\u5f00\u5ba1\u6838\u603b\u8868\u3002"), True
                Exit Sub
            End If
            If Not wb.Saved Then wb.Save
            master = wb.FullName
            If CpxlRewrites(action) Then
                mClosed = master
                wb.Close SaveChanges:=False
            End If
            params = "master=" & PyStr(master) & Sep(params) & params
        Else
            params = "master=" & PyStr(wb.FullName) & Sep(params) & params  ' the runner says what is wrong
        End If
    End If
    jobFolder = CreateObject("Scripting.FileSystemObject").GetSpecialFolder(2).Path & "\cpxl"
    mJob = jobFolder & "\job-" & Format$(Now, "yyyymmdd-hhnnss") & "-" & action & ".txt"
    mAction = action
    mStarted = Now
    interpreter = PythonPath()
    cmd = Chr(34) & interpreter & Chr(34) & " -B -c " & Chr(34) & CpxlJobCommand(mJob, action, params) & Chr(34)
    On Error GoTo StartFailed
    Set mExec = CreateObject("WScript.Shell").Exec(cmd)
    On Error GoTo 0
    Application.StatusBar = CpxlStatusText("", CpxlLabel(action), 0)
    Schedule
    Exit Sub
StartFailed:
    ' "Could not start Python: <path>. Check INTERPRETER_WIN in cpxl.conf, or run install.cmd again."
    Dim reason As String
    reason = Err.Description
    On Error GoTo 0
    Reopen mClosed
    ClearJob
    Popup U("\u65e0\u6cd5\u542f\u52a8 Python\uff1a") & interpreter & vbCrLf & reason & vbCrLf _
        & U("\u8bf7\u68c0\u67e5 cpxl.conf \u4e2d\u7684 INTERPRETER_WIN\uff08\u89c1 docs/excel-addin.md\uff09\uff0c\u6216\u91cd\u65b0\u8fd0\u884c\u5b89\u88c5\u7a0b\u5e8f install.cmd\u3002"), True
End Sub

' Called by Application.OnTime every second while a step runs.
Public Sub CpxlJobPoll()
    Dim jobText As String, state As String
    If Len(mJob) = 0 Then Exit Sub
    jobText = ReadText(mJob)
    state = CpxlField(jobText, "state")
    If state = "done" Or state = "failed" Or state = "refused" Then
        Finish jobText
        Exit Sub
    End If
    If mExec.Status <> 0 Then  ' Python has ended: read once more, it may have just finished
        jobText = ReadText(mJob)
        state = CpxlField(jobText, "state")
        If state = "done" Or state = "failed" Or state = "refused" Then
            Finish jobText
        Else
            Crashed jobText
        End If
        Exit Sub
    End If
    Application.StatusBar = CpxlStatusText(jobText, CpxlLabel(mAction), ElapsedSeconds())
    Schedule
End Sub

Private Sub Schedule()
    Application.OnTime Now + TimeSerial(0, 0, 1), "'" & ThisWorkbook.Name & "'!CpxlJobPoll"
End Sub

Private Sub Finish(ByVal jobText As String)
    Dim target As String, folder As String, message As String, title As String, critical As Boolean
    Application.StatusBar = False
    target = CpxlField(jobText, "open")
    If Len(mClosed) > 0 And StrComp(mClosed, target, vbTextCompare) <> 0 Then Reopen mClosed
    If Len(target) > 0 Then Reopen target
    WriteStatus jobText
    folder = CpxlField(jobText, "folder")
    If Len(folder) > 0 Then
        On Error Resume Next
        ThisWorkbook.FollowHyperlink folder
        On Error GoTo 0
    End If
    message = CpxlField(jobText, "message")
    title = CpxlField(jobText, "title")
    critical = (CpxlField(jobText, "critical") = "1")
    DeleteFile mJob
    ClearJob
    If Len(message) > 0 Then Popup message, critical, title
End Sub

' Python ended without saying how the step went (it could not start cpxl, or it was killed).
Private Sub Crashed(ByVal jobText As String)
    Dim detail As String, logFile As String, label As String
    label = CpxlLabel(mAction)
    On Error Resume Next
    detail = mExec.StdErr.ReadAll
    On Error GoTo 0
    logFile = CpxlField(jobText, "log")
    If Len(logFile) > 0 Then detail = detail & ReadText(logFile)
    If Len(detail) > 1500 Then detail = "..." & Right$(detail, 1500)
    Application.StatusBar = False
    Reopen mClosed
    ClearJob
    ' "Python ended before <label> was done. ... Check that INTERPRETER_WIN in cpxl.conf is a Python with cpxl."
    Popup U("Python \u610f\u5916\u7ed3\u675f\uff0c\u201c") & label & U("\u201d\u6ca1\u6709\u5b8c\u6210\u3002") & vbCrLf & detail & vbCrLf _
        & U("\u8bf7\u68c0\u67e5 cpxl.conf \u4e2d\u7684 INTERPRETER_WIN \u662f\u5426\u6307\u5411\u5b89\u88c5\u4e86 cpxl \u7684 Python\uff0c\u6216\u91cd\u65b0\u8fd0\u884c install.cmd\u3002"), True
End Sub

Private Sub ClearJob()
    mJob = ""
    mAction = ""
    mClosed = ""
    Set mExec = Nothing
End Sub

Private Function ElapsedSeconds() As Long
    ElapsedSeconds = CLng((Now - mStarted) * 86400)
End Function

Private Function Sep(ByVal params As String) As String
    If Len(params) > 0 Then Sep = ", "
End Function

' The interpreter from cpxl.conf (INTERPRETER_WIN), pythonw.exe rather than python.exe when it exists.
Private Function PythonPath() As String
    Dim p As String, w As String
    p = Trim$(CStr(GetConfig("INTERPRETER_WIN", "")))
    If Len(p) = 0 Then p = Trim$(CStr(GetConfig("INTERPRETER", "")))
    If Len(p) = 0 Then p = "pythonw.exe"
    If LCase$(Right$(p, 10)) = "python.exe" Then
        w = Left$(p, Len(p) - 10) & "pythonw.exe"
        If CreateObject("Scripting.FileSystemObject").FileExists(w) Then p = w
    End If
    PythonPath = p
End Function

' Opens (or activates) a workbook by full name; Nothing if it cannot be opened.
Private Function Reopen(ByVal path As String) As Workbook
    Dim wb As Workbook
    If Len(path) = 0 Then Exit Function
    For Each wb In Application.Workbooks
        If StrComp(wb.FullName, path, vbTextCompare) = 0 Then
            wb.Activate
            Set Reopen = wb
            Exit Function
        End If
    Next wb
    On Error Resume Next
    Set Reopen = Application.Workbooks.Open(path)
    On Error GoTo 0
End Function

' Writes the step's status to the home sheet of the master; saves it unless it had unsaved edits.
Private Sub WriteStatus(ByVal jobText As String)
    Dim wb As Workbook, ws As Object, wasSaved As Boolean
    If Len(CpxlField(jobText, "status_book")) = 0 Then Exit Sub
    Set wb = Reopen(CpxlField(jobText, "status_book"))
    If wb Is Nothing Then Exit Sub
    On Error GoTo Done
    wasSaved = wb.Saved
    Set ws = wb.Worksheets(CpxlField(jobText, "status_sheet"))
    ws.Range(CpxlField(jobText, "status_label_cell")).Value = CpxlField(jobText, "status_label")
    ws.Range(CpxlField(jobText, "status_cell")).Value = CpxlField(jobText, "status_text")
    If wasSaved Then wb.Save
Done:
End Sub

' A jobText file's content, "" if it is not there (yet). The job file is ASCII.
Private Function ReadText(ByVal path As String) As String
    Dim fso As Object, ts As Object
    On Error GoTo Failed
    Set fso = CreateObject("Scripting.FileSystemObject")
    If Not fso.FileExists(path) Then Exit Function
    Set ts = fso.OpenTextFile(path, 1, False, 0)
    If Not ts.AtEndOfStream Then ReadText = ts.ReadAll
    ts.Close
    Exit Function
Failed:
    ReadText = ""
End Function

Private Sub DeleteFile(ByVal path As String)
    On Error Resume Next
    CreateObject("Scripting.FileSystemObject").DeleteFile path
    On Error GoTo 0
End Sub

' A message box that shows Chinese on any system locale (WScript.Shell.Popup takes Unicode jobText).
Private Sub Popup(ByVal message As String, ByVal critical As Boolean, Optional ByVal title As String = "")
    If Len(title) = 0 Then title = CpxlTitle()
    CreateObject("WScript.Shell").Popup message, 0, title, IIf(critical, 16, 64)
End Sub
